// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace Robots.Schema {
	public partial class SettingsState : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public SettingsState() { }

		[global::Colyseus.Schema.Type(0, "uint16")]
		public ushort questionSeconds = default(ushort);

		[global::Colyseus.Schema.Type(1, "uint16")]
		public ushort eliminationSeconds = default(ushort);

		[global::Colyseus.Schema.Type(2, "uint16")]
		public ushort votingSeconds = default(ushort);

		[global::Colyseus.Schema.Type(3, "uint16")]
		public ushort resultsSeconds = default(ushort);

		[global::Colyseus.Schema.Type(4, "boolean")]
		public bool extendedTimers = default(bool);

		[global::Colyseus.Schema.Type(5, "boolean")]
		public bool familyFriendly = default(bool);

		[global::Colyseus.Schema.Type(6, "boolean")]
		public bool hostPlays = default(bool);
	}
}
