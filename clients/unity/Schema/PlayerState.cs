// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace Robots.Schema {
	public partial class PlayerState : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public PlayerState() { }

		[global::Colyseus.Schema.Type(0, "string")]
		public string id = default(string);

		[global::Colyseus.Schema.Type(1, "string")]
		public string name = default(string);

		[global::Colyseus.Schema.Type(2, "string")]
		public string icon = default(string);

		[global::Colyseus.Schema.Type(3, "number")]
		public double score = default(double);

		[global::Colyseus.Schema.Type(4, "boolean")]
		public bool connected = default(bool);

		[global::Colyseus.Schema.Type(5, "boolean")]
		public bool isHost = default(bool);

		[global::Colyseus.Schema.Type(6, "boolean")]
		public bool hasAnswered = default(bool);

		[global::Colyseus.Schema.Type(7, "boolean")]
		public bool hasVoted = default(bool);

		[global::Colyseus.Schema.Type(8, "ref", typeof(OwnState))]
		public OwnState own = null;
	}
}
