// GAME.md §10 as a Unity client reads it: every state field by name, with the exact C# type the
// generated classes must give it. Compiled by test/clients/unity.test.ts against the generated
// classes; a renamed, removed or retyped field stops the build. `Exactly<T>(ref field)` accepts a
// field of type T and nothing else (no implicit widening), so `score` turning from double into
// ushort is caught too.
using Colyseus.Schema;
using Robots.Schema;

namespace Robots.ContractCheck
{
	public static class StateContract
	{
		static void Exactly<T>(ref T field) { }

		public static void Read(PartyState s)
		{
			Exactly<string>(ref s.code);
			Exactly<string>(ref s.phase);
			Exactly<byte>(ref s.round);
			Exactly<byte>(ref s.totalRounds);
			Exactly<string>(ref s.mode);
			Exactly<string>(ref s.hostId);
			Exactly<double>(ref s.deadline);
			Exactly<bool>(ref s.paused);
			Exactly<ushort>(ref s.audienceCount);

			Exactly<SettingsState>(ref s.settings);
			SettingsState settings = s.settings;
			Exactly<ushort>(ref settings.questionSeconds);
			Exactly<ushort>(ref settings.eliminationSeconds);
			Exactly<ushort>(ref settings.votingSeconds);
			Exactly<ushort>(ref settings.resultsSeconds);
			Exactly<bool>(ref settings.extendedTimers);
			Exactly<bool>(ref settings.familyFriendly);
			Exactly<bool>(ref settings.hostPlays);

			Exactly<MapSchema<PlayerState>>(ref s.players);
			s.players.ForEach((string id, PlayerState p) =>
			{
				Exactly<string>(ref p.id);
				Exactly<string>(ref p.name);
				Exactly<string>(ref p.icon);
				Exactly<double>(ref p.score);
				Exactly<bool>(ref p.connected);
				Exactly<bool>(ref p.isHost);
				Exactly<bool>(ref p.hasAnswered);
				Exactly<bool>(ref p.hasVoted);
				// Present only on the reading client's own row; null on every other row.
				Exactly<OwnState>(ref p.own);
				if (p.own != null)
				{
					Exactly<ArraySchema<string>>(ref p.own.ownOptionIds);
					Exactly<string>(ref p.own.eliminationVote);
					Exactly<string>(ref p.own.finalVote);
				}
			});

			Exactly<QuestionState>(ref s.question);
			QuestionState question = s.question;
			Exactly<string>(ref question.id);
			Exactly<string>(ref question.text);
			Exactly<string>(ref question.type);
			Exactly<string>(ref question.imageUrl);

			Exactly<ArraySchema<OptionState>>(ref s.options);
			s.options.ForEach((int i, OptionState o) =>
			{
				Exactly<string>(ref o.id);
				Exactly<string>(ref o.text);
				Exactly<bool>(ref o.eliminated);
			});
		}
	}
}
