// The parts of a Unity app that clients/unity/README.md leaves to the reader: its UI calls
// (ShowError, Toast, DrawPlayer…) and the values its screens hold (the typed room code, the
// chosen option id, the typed answer). test/clients/unity.test.ts compiles the guide's C# into
// the same partial class, so each snippet is checked against the SDK stand-in exactly as written.
using System.Collections.Generic;
using Robots.Schema;

namespace Robots.GuideCheck
{
	public partial class RobotsClient
	{
		string code;                         // the room code a player typed
		string id;                           // an option id or a player id picked on screen
		string text;                         // an answer the player typed
		Dictionary<string, object> options;  // join options built from the name form

		void ShowNameForm(string hint) { }
		void ShowError(string message) { }
		void Toast(string message) { }
		void DrawOption(int index, string optionId, string optionText, bool eliminated) { }
		void DrawPlayer(string playerId, string name, string icon, double score, bool connected, bool hasAnswered, bool hasVoted) { }
		void AddAvatar(string playerId, PlayerState player) { }
		void SetAway(string playerId, bool away) { }
		void RemoveAvatar(string playerId) { }
		void RevealOption(OptionState option) { }
		void OnPhase(string now, string before) { }
		void PlayJingle() { }
		void ShowProgress(int votes, int voters) { }
		void ShowRoundScores(Dictionary<string, object> scores) { }
		void ShowPodium(Dictionary<string, object> result) { }
		void AskForAnotherAnswer(string reason) { }
	}
}
