// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace Robots.Schema {
	public partial class PartyState : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public PartyState() { }

		[global::Colyseus.Schema.Type(0, "string")]
		public string code = default(string);

		[global::Colyseus.Schema.Type(1, "string")]
		public string phase = default(string);

		[global::Colyseus.Schema.Type(2, "uint8")]
		public byte round = default(byte);

		[global::Colyseus.Schema.Type(3, "uint8")]
		public byte totalRounds = default(byte);

		[global::Colyseus.Schema.Type(4, "string")]
		public string mode = default(string);

		[global::Colyseus.Schema.Type(5, "string")]
		public string hostId = default(string);

		[global::Colyseus.Schema.Type(6, "float64")]
		public double deadline = default(double);

		[global::Colyseus.Schema.Type(7, "boolean")]
		public bool paused = default(bool);

		[global::Colyseus.Schema.Type(8, "uint16")]
		public ushort audienceCount = default(ushort);

		[global::Colyseus.Schema.Type(9, "ref", typeof(SettingsState))]
		public SettingsState settings = null;

		[global::Colyseus.Schema.Type(10, "map", typeof(global::Colyseus.Schema.MapSchema<PlayerState>))]
		public global::Colyseus.Schema.MapSchema<PlayerState> players = new global::Colyseus.Schema.MapSchema<PlayerState>();

		[global::Colyseus.Schema.Type(11, "ref", typeof(QuestionState))]
		public QuestionState question = null;

		[global::Colyseus.Schema.Type(12, "array", typeof(global::Colyseus.Schema.ArraySchema<OptionState>))]
		public global::Colyseus.Schema.ArraySchema<OptionState> options = new global::Colyseus.Schema.ArraySchema<OptionState>();
	}
}
