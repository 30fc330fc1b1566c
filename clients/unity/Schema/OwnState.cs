// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace Robots.Schema {
	public partial class OwnState : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public OwnState() { }

		[global::Colyseus.Schema.Type(0, "array", typeof(global::Colyseus.Schema.ArraySchema<string>), "string")]
		public global::Colyseus.Schema.ArraySchema<string> ownOptionIds = new global::Colyseus.Schema.ArraySchema<string>();

		[global::Colyseus.Schema.Type(1, "string")]
		public string eliminationVote = default(string);

		[global::Colyseus.Schema.Type(2, "string")]
		public string finalVote = default(string);
	}
}
