/**
 * The phone controller (`/` and `/join/<code>`): join a room by its code with a name and an icon
 * (or as audience), then play every phase from the hand: write a fake answer, vote out the
 * robot's answer, vote for the truth, see the reveal and the standings. A playing host's phone
 * also carries the host's controls. Made for 360×640 and up.
 *
 * Everything is drawn from the session snapshot (web/lib/session.ts), which comes from the room
 * state: a reload, a dropped network or a phone that slept lands on whatever phase the game is in.
 * Accessible names and test ids follow the UI contract (notes/UI-CONTRACT.md).
 */
import "./lib/base.css";
import "./phone.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  ANSWER_MAX_LENGTH,
  ErrorCode,
  ICONS,
  MIN_PLAYERS,
  NAME_MAX_LENGTH,
  canonicalCode,
  comparisonKey,
  hasVisibleLetterOrDigit,
  isRoomCode,
  normalizeName,
  normalizeText,
  textLength,
  type FinalRoundScores,
  type Icon as IconId,
  type StandingRow,
} from "../src/protocol.ts";
import { roundMultiplier } from "../src/game/scoring.ts";
import { Session, storedCodes, type GameView, type OptionView, type PlayerView, type Snapshot } from "./lib/session.ts";
import { Countdown, Icon, IconPicker, SettingsForm, Standings, StatusParts, points, useSnapshot } from "./lib/ui.tsx";

const session = new Session();

/**
 * An audience member's vote this round, as the server confirmed it in a `you` message (the
 * audience has no row, so no `own` in the state; PROTOCOL §6). Listened for from the start, so
 * the `you` that greets a reconnection is not missed; the snapshot update that follows every
 * event redraws the page.
 */
let audienceVote: { round: number; optionId: string } | null = null;
session.onEvent((event) => {
  if (event.type !== "you" || event.payload.ownOptionIds.length > 0) return;
  const round = Number((session.room?.state as { round?: number } | undefined)?.round ?? 0);
  audienceVote = event.payload.finalVote ? { round, optionId: event.payload.finalVote } : null;
});

// ---------------------------------------------------------------- the address and what this phone remembers

/** The code in `/join/<code>`, as typed in the address (the page checks it, not the server route). */
function codeFromPath(pathname: string): string {
  const match = /^\/join\/([^/]*)\/?$/.exec(pathname);
  if (!match) return "";
  try {
    return canonicalCode(decodeURIComponent(match[1]!));
  } catch {
    return "";
  }
}

const PROFILE_KEY = "robots:profile";

/** The name and icon this phone joined with last time, so the next game is one tap away. */
function loadProfile(): { name: string; icon: IconId } {
  const fallback = ICONS[Math.floor(Math.random() * ICONS.length)]!;
  try {
    const saved = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? "null") as { name?: unknown; icon?: unknown } | null;
    const icon = (ICONS as readonly string[]).includes(String(saved?.icon)) ? (saved!.icon as IconId) : fallback;
    return { name: typeof saved?.name === "string" ? saved.name.slice(0, NAME_MAX_LENGTH * 2) : "", icon };
  } catch {
    return { name: "", icon: fallback };
  }
}

function saveProfile(name: string, icon: IconId): void {
  try {
    localStorage.setItem(PROFILE_KEY, JSON.stringify({ name, icon }));
  } catch {
    // Private mode or full storage: the form simply starts empty next time.
  }
}

/** Local checks that spare a round trip (and a failed-join count against the whole home network). */
const LOCAL_SENTENCES = {
  code: "A room code is 4 letters, like KXQT. It is on the TV.",
  name: `Type a name: 1 to ${NAME_MAX_LENGTH} characters, with at least one letter or digit.`,
  answer: "Write a fake answer first: at least one letter or digit.",
  answerTooLong: `An answer is at most ${ANSWER_MAX_LENGTH} characters.`,
} as const;

// ---------------------------------------------------------------- small parts

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

function namesOf(snapshot: Snapshot): Map<string, string> {
  const names = new Map<string, string>();
  for (const p of snapshot.game?.players ?? []) names.set(p.id, p.name);
  for (const row of snapshot.roundScores?.standings ?? snapshot.gameComplete?.standings ?? []) if (!names.has(row.playerId)) names.set(row.playerId, row.name);
  return names;
}

function nameList(ids: readonly string[], names: ReadonlyMap<string, string>): string {
  return ids.map((id) => names.get(id) ?? "someone").join(", ");
}

/** True while the connection can carry a message. */
function online(snapshot: Snapshot): boolean {
  return snapshot.status === "connected";
}

/** Moves focus to `ref` when `key` changes (a new phase), unless the person is typing elsewhere. */
function useFocusOnChange(ref: { current: HTMLElement | null }, key: string): void {
  useEffect(() => {
    const active = document.activeElement;
    const typing = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement;
    if (typing && active.isConnected) return;
    // A new view starts at its top; focus goes to its title without scrolling past the question.
    window.scrollTo(0, 0);
    ref.current?.focus({ preventScroll: true });
  }, [key]);
}

/** The bar at the top of every room view: code, round and multiplier, countdown. */
function TopBar({ game }: { game: GameView }) {
  const inGame = game.phase !== "lobby" && game.round > 0;
  const multiplier = inGame ? roundMultiplier(game.round, game.totalRounds) : 1;
  return (
    <header class="top-bar">
      <span class="code-chip" aria-label={`Room code ${[...game.code].join(" ")}`}>
        {game.code}
      </span>
      <span class="round-chip">
        {inGame ? (
          <>
            Round {game.round} of {game.totalRounds}
            {multiplier > 1 ? <span class="multiplier"> ×{multiplier}</span> : null}
          </>
        ) : (
          "Lobby"
        )}
      </span>
      <Countdown deadline={game.deadline} paused={game.paused} class="phone-countdown" />
    </header>
  );
}

/** Who the phase is waiting for: icons with a tick once a player is done (never what they chose). */
function Progress({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const word = game.phase === "question" ? "answered" : "voted";
  const done = (p: PlayerView) => (game.phase === "question" ? p.hasAnswered : p.hasVoted);
  return (
    <div class="progress-strip">
      <p class="progress-text" data-testid="progress">
        {snapshot.progress.done} of {snapshot.progress.of} {word}
      </p>
      <ul class="who" aria-label="Players">
        {game.players.map((p) => (
          <li key={p.id} class={`who-item ${done(p) ? "done" : ""} ${p.connected ? "" : "away"}`} title={p.name}>
            <Icon id={p.icon} />
            <span class="visually-hidden">
              {p.name}: {p.connected ? (done(p) ? word : "not yet") : "away"}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The question as the phone shows it: text, and the picture for a picture question. */
function QuestionCard({ game, compact }: { game: GameView; compact?: boolean }) {
  return (
    <section class={`question-card ${compact ? "compact" : ""}`} aria-label="Question">
      <p class="question-text" data-testid="question">
        {game.question.text}
      </p>
      {game.question.type === "picture" && game.question.imageUrl ? (
        <img class="question-image" data-testid="question-image" src={game.question.imageUrl} alt="The picture this question is about" />
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- before a room

function JoinForm({ snapshot, initialCode, busy }: { snapshot: Snapshot; initialCode: string; busy: boolean }) {
  const profile = useState(loadProfile)[0];
  const [code, setCode] = useState(initialCode);
  const [name, setName] = useState(profile.name);
  const [icon, setIcon] = useState<IconId>(profile.icon);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const audienceRef = useRef<HTMLButtonElement>(null);
  const refusal = snapshot.error?.requestType === "join" ? snapshot.error : null;
  const audienceOffered = refusal?.code === ErrorCode.RoomFull || refusal?.code === ErrorCode.GameInProgress;

  // Start where there is something to type: the code, or the name when the link brought the code.
  useEffect(() => {
    (initialCode ? nameRef : codeRef).current?.focus();
  }, []);

  // After a refusal, put the person where the fix is.
  useEffect(() => {
    if (!refusal) return;
    if (audienceOffered) audienceRef.current?.focus();
    else if (refusal.code === ErrorCode.NameTaken || refusal.code === ErrorCode.Kicked || refusal.code === ErrorCode.BadRequest) nameRef.current?.select();
    else if (refusal.code === null) codeRef.current?.select();
  }, [refusal?.seq]);

  const join = async (audience: boolean) => {
    const canonical = canonicalCode(code);
    if (!isRoomCode(canonical)) {
      session.showError({ code: null, sentence: LOCAL_SENTENCES.code }, "check");
      codeRef.current?.focus();
      return;
    }
    const cleaned = normalizeName(name);
    if (!hasVisibleLetterOrDigit(cleaned) || textLength(cleaned) > NAME_MAX_LENGTH) {
      session.showError({ code: null, sentence: LOCAL_SENTENCES.name }, "check");
      nameRef.current?.focus();
      return;
    }
    saveProfile(name, icon);
    const ok = await session.join(canonical, { name, icon, audience });
    if (ok) history.replaceState(null, "", `/join/${encodeURIComponent(canonical)}`);
  };

  return (
    <main class="join-view">
      <h1 class="brand">
        <Icon id="robot" /> Robots
      </h1>
      <p class="lead">Fool your friends. Unmask the robot.</p>
      <form
        class="join-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void join(false);
        }}
      >
        <label class="field">
          <span>Room code</span>
          <input
            ref={codeRef}
            class="code-input"
            type="text"
            name="code"
            value={code}
            maxLength={8}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            enterkeyhint="next"
            placeholder="KXQT"
            onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value.toUpperCase())}
          />
        </label>
        <label class="field">
          <span>Name</span>
          <input
            ref={nameRef}
            type="text"
            name="nickname"
            value={name}
            maxLength={NAME_MAX_LENGTH}
            autocomplete="nickname"
            autocapitalize="words"
            enterkeyhint="go"
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <IconPicker value={icon} onChange={(id) => setIcon(id as IconId)} />
        <div class="join-buttons">
          <button type="submit" class={`big ${audienceOffered ? "" : "primary"}`} disabled={busy}>
            Join
          </button>
          <button ref={audienceRef} type="button" class={`big ${audienceOffered ? "primary" : "quiet"}`} disabled={busy} onClick={() => void join(true)}>
            Join as audience
          </button>
        </div>
        {/* A refusal takes this line's place (the alert sits right under the form). */}
        {snapshot.error ? null : <p class="hint">{busy ? "Joining…" : "The audience watches and votes for the truth, without points."}</p>}
      </form>
    </main>
  );
}

// ---------------------------------------------------------------- lobby

function PlayerList({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  return (
    <ul class="player-list" data-testid="players">
      {game.players.map((p) => (
        <li key={p.id} data-player-id={p.id} class={`player-row ${p.connected ? "" : "away"} ${p.id === snapshot.sessionId ? "me" : ""}`}>
          <Icon id={p.icon} />
          <span class="name">{p.name}</span>
          {p.id === snapshot.sessionId ? <span class="tag">you</span> : null}
          {p.isHost ? <span class="tag">host</span> : null}
          {!p.connected ? <span class="tag">away</span> : null}
          {game.phase !== "lobby" ? <span class="score">{p.score}</span> : null}
          {snapshot.isHost && p.id !== snapshot.sessionId ? (
            <button type="button" class="kick" aria-label={`Kick ${p.name}`} disabled={!online(snapshot)} onClick={() => session.send("kick-player", { playerId: p.id })}>
              Kick
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Lobby({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusOnChange(heading, "lobby");
  const connected = game.players.filter((p) => p.connected).length;
  const audience = snapshot.role !== "player";
  return (
    <main class="view lobby-view">
      <h1 class="view-title" tabIndex={-1} ref={heading}>
        You're in!
      </h1>
      <p class="me-line">
        {snapshot.me ? (
          <>
            <Icon id={snapshot.me.icon} /> <strong>{snapshot.me.name}</strong>
            {snapshot.isHost ? " · you are the host" : ""}
          </>
        ) : (
          "You're in the audience: watch on the TV and vote for the truth each round."
        )}
      </p>
      <section class="card" aria-labelledby="players-title">
        <h2 id="players-title" class="section-title">
          Players ({game.players.length}){game.audienceCount > 0 ? ` · audience ${game.audienceCount}` : ""}
        </h2>
        <PlayerList snapshot={snapshot} />
      </section>
      {snapshot.isHost && !audience ? (
        <section class="card host-card" aria-label="Host">
          <SettingsForm game={game} disabled={!online(snapshot)} onUpdate={(update) => session.send("update-settings", update)} />
          <button type="button" class="primary big wide" disabled={!online(snapshot)} onClick={() => session.send("start-game", {})}>
            Start game
          </button>
          <p class="hint">{connected < MIN_PLAYERS ? `Waiting for at least ${MIN_PLAYERS} players…` : `${connected} players ready.`}</p>
        </section>
      ) : (
        <p class="hint waiting">Waiting for the host to start the game…</p>
      )}
    </main>
  );
}

// ---------------------------------------------------------------- question

function AnswerForm({ snapshot, onSent }: { snapshot: Snapshot; onSent: (text: string) => void }) {
  const game = snapshot.game!;
  const [answer, setAnswer] = useState("");
  const [pending, setPending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const errorSeq = useRef(snapshot.error?.seq ?? 0);

  // A new question: the box gets the focus (the keyboard comes up on a phone).
  useEffect(() => {
    setAnswer("");
    setPending(false);
    box.current?.focus();
  }, [game.round]);

  // A refusal: stop waiting, and hand the box back with the text selected for a quick fix.
  useEffect(() => {
    const seq = snapshot.error?.seq ?? 0;
    if (seq === errorSeq.current) return;
    errorSeq.current = seq;
    if (snapshot.error?.requestType === "submit-answer" || snapshot.error?.requestType === "answer") {
      setPending(false);
      box.current?.focus();
      box.current?.select();
    }
  }, [snapshot.error?.seq]);

  // If no answer and no refusal ever comes (a dropped connection), let the person try again.
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => setPending(false), 5000);
    return () => clearTimeout(timer);
  }, [pending]);

  const submit = () => {
    const cleaned = normalizeText(answer);
    if (comparisonKey(cleaned) === "") {
      session.showError({ code: null, sentence: LOCAL_SENTENCES.answer }, "answer");
      box.current?.focus();
      return;
    }
    if (textLength(cleaned) > ANSWER_MAX_LENGTH) {
      session.showError({ code: null, sentence: LOCAL_SENTENCES.answerTooLong }, "answer");
      box.current?.focus();
      return;
    }
    setPending(true);
    onSent(cleaned);
    session.send("submit-answer", { answer });
  };

  const left = ANSWER_MAX_LENGTH - textLength(answer);
  return (
    <form
      class="answer-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label class="field" for="answer-box">
        <span>Your fake answer</span>
      </label>
      <textarea
        id="answer-box"
        ref={box}
        rows={2}
        value={answer}
        maxLength={ANSWER_MAX_LENGTH * 2}
        autocomplete="off"
        autocapitalize="sentences"
        enterkeyhint="send"
        aria-describedby="answer-hint"
        onInput={(e) => setAnswer((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          // One line is enough for an answer: Enter sends, as the keyboard's "send" key says.
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <p id="answer-hint" class={`hint answer-hint ${left < 0 ? "over" : ""}`}>
        {left <= 20 ? `${left} characters left` : "Make it sound true: you score when the others pick it."}
      </p>
      <button type="submit" class="primary big wide" disabled={pending || !online(snapshot)} aria-busy={pending ? "true" : undefined}>
        Submit answer
      </button>
    </form>
  );
}

function QuestionView({ snapshot, sentText, onSent }: { snapshot: Snapshot; sentText: string | null; onSent: (text: string) => void }) {
  const game = snapshot.game!;
  const me = snapshot.me;
  const status = useRef<HTMLParagraphElement>(null);
  useFocusOnChange(status, me?.hasAnswered ? `answered-${game.round}` : `question-${game.round}-audience`);
  return (
    <main class="view question-view">
      <QuestionCard game={game} />
      {me && !me.hasAnswered ? (
        <AnswerForm snapshot={snapshot} onSent={onSent} />
      ) : (
        <div class="sent-card">
          <p class={me ? "sent" : "watching"} tabIndex={-1} ref={status}>
            {me ? "Answer sent" : "The players are writing fake answers…"}
          </p>
          {me && sentText ? <p class="sent-text">“{sentText}”</p> : null}
          <p class="hint">{me ? "Waiting for the others." : "You will vote for the truth in a moment."}</p>
        </div>
      )}
      <Progress snapshot={snapshot} />
    </main>
  );
}

// ---------------------------------------------------------------- elimination and voting

/**
 * One button per option (accessible name = the option's text). Our own options are disabled and
 * marked `data-own` from the state's private `own` view; in the final vote the eliminated option
 * stays in the list, disabled, so the list keeps its shape.
 */
function Ballot({ snapshot, final, confirmedVote }: { snapshot: Snapshot; final: boolean; confirmedVote: string | null }) {
  const game = snapshot.game!;
  const own = new Set(snapshot.own?.ownOptionIds ?? []);
  const [pending, setPending] = useState<string | null>(null);
  const errorSeq = useRef(snapshot.error?.seq ?? 0);
  const voted = confirmedVote;
  const type = final ? "submit-final-vote" : "submit-elimination-vote";

  useEffect(() => setPending(null), [game.phase, game.round]);
  useEffect(() => {
    const seq = snapshot.error?.seq ?? 0;
    if (seq === errorSeq.current) return;
    errorSeq.current = seq;
    if (snapshot.error?.requestType === type) setPending(null);
  }, [snapshot.error?.seq]);
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => setPending(null), 5000);
    return () => clearTimeout(timer);
  }, [pending]);

  return (
    <ul class="ballot" data-testid={final ? "final-options" : "elimination-options"}>
      {game.options.map((o: OptionView) => {
        const mine = own.has(o.id);
        const out = final && o.eliminated;
        const chosen = voted === o.id || (!voted && pending === o.id);
        const disabled = mine || out || voted !== null || pending !== null || !online(snapshot);
        return (
          <li key={o.id}>
            <button
              type="button"
              class={`choice ${chosen ? "chosen" : ""} ${mine ? "own" : ""} ${out ? "out" : ""}`}
              aria-label={o.text}
              data-option-id={o.id}
              data-own={mine ? "true" : undefined}
              data-eliminated={out ? "true" : undefined}
              disabled={disabled}
              onClick={() => {
                setPending(o.id);
                session.send(type, { optionId: o.id });
              }}
            >
              <span class="choice-text">{o.text}</span>
              {mine ? <span class="tag">yours</span> : out ? <span class="tag">voted out</span> : chosen ? <span class="tag pick">{voted ? "your vote" : "sending…"}</span> : null}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function VoteView({ snapshot, audienceVote }: { snapshot: Snapshot; audienceVote: string | null }) {
  const game = snapshot.game!;
  const final = game.phase === "voting";
  const player = snapshot.role === "player";
  // Players: the state's own view is the source. Audience: the `you` message confirms the vote.
  const confirmed = player ? ((final ? snapshot.own?.finalVote : snapshot.own?.eliminationVote) ?? null) : audienceVote;
  const canVote = player || final;
  const title = useRef<HTMLHeadingElement>(null);
  useFocusOnChange(title, `${game.phase}-${game.round}`);
  const out = game.options.find((o) => o.eliminated);
  return (
    <main class="view vote-view">
      <QuestionCard game={game} compact />
      <h1 class="view-title" tabIndex={-1} ref={title}>
        {final ? "Which answer is the truth?" : canVote ? "Which answer did the robot write?" : "The players are voting out the robot's answer…"}
      </h1>
      {final ? (
        <p class="elimination-line">
          {out ? `Voted out: “${out.text}”` : snapshot.elimination?.tie ? "A tie: nothing was voted out." : "Nothing was voted out."}
        </p>
      ) : null}
      {canVote ? (
        <Ballot snapshot={snapshot} final={final} confirmedVote={confirmed} />
      ) : (
        <ul class="ballot watch">
          {game.options.map((o) => (
            <li key={o.id} class="choice static">
              {o.text}
            </li>
          ))}
        </ul>
      )}
      <p class="sent vote-sent" role="status">
        {canVote && confirmed ? "Vote sent" : ""}
      </p>
      <Progress snapshot={snapshot} />
    </main>
  );
}

// ---------------------------------------------------------------- results and final

/** What this round meant for this player, in sentences. */
function myRoundLines(r: FinalRoundScores, myId: string, textOf: (id: string | null) => string, names: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const mine = r.scores.find((s) => s.playerId === myId);
  const finalVote = r.finalVotes[myId] ?? null;
  const eliminationVote = r.eliminationVotes[myId] ?? null;
  if (finalVote === r.truthId) lines.push(`You found the truth! ${points(mine?.correctAnswerPoints ?? 0)}`);
  else if (finalVote === r.robotId) lines.push(`The robot fooled you. ${points(mine?.fooledPenalty ?? 0)}`);
  else if (finalVote) lines.push(`You fell for “${textOf(finalVote)}” by ${nameList(r.authors[finalVote] ?? [], names) || "a player who left"}.`);
  else lines.push("You did not vote for the truth this round.");
  if (eliminationVote === r.robotId) lines.push(`You spotted the robot. ${points(mine?.robotIdentifiedPoints ?? 0)}`);
  const myOption = Object.entries(r.authors).find(([, authors]) => authors.includes(myId))?.[0];
  if (myOption) {
    const fooled = Object.entries(r.finalVotes).filter(([voter, option]) => option === myOption && voter !== myId).length;
    lines.push(fooled > 0 ? `Your answer fooled ${fooled} ${fooled === 1 ? "player" : "players"}. ${points(mine?.votesReceivedPoints ?? 0)}` : "Your answer fooled nobody this time.");
  }
  return lines;
}

function ResultsView({ snapshot, audienceVote }: { snapshot: Snapshot; audienceVote: string | null }) {
  const game = snapshot.game!;
  const r = snapshot.roundScores;
  const title = useRef<HTMLHeadingElement>(null);
  useFocusOnChange(title, `results-${game.round}`);
  const names = namesOf(snapshot);
  const textOf = (id: string | null) => game.options.find((o) => o.id === id)?.text ?? "";
  const myScore = r && snapshot.me ? r.scores.find((s) => s.playerId === snapshot.me!.id) : undefined;
  return (
    <main class="view results-view">
      <h1 class="view-title" tabIndex={-1} ref={title}>
        Round {game.round} results
      </h1>
      <section class="results card" data-testid="results">
        {r ? (
          <>
            <p class="reveal-line truth-line">
              <span class="reveal-label">The truth</span>
              <strong data-testid="truth">{textOf(r.truthId)}</strong>
            </p>
            <p class="reveal-line robot-line">
              <span class="reveal-label">
                <Icon id="robot" /> The robot wrote
              </span>
              <strong data-testid="robot">{textOf(r.robotId)}</strong>
            </p>
            {snapshot.me ? (
              <>
                <ul class="my-lines">
                  {myRoundLines(r, snapshot.me.id, textOf, names).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
                <p class="round-total-line">
                  This round{r.multiplier > 1 ? ` (×${r.multiplier})` : ""}: <strong data-testid="round-total">{points(myScore?.total ?? 0)}</strong>
                </p>
              </>
            ) : (
              <ul class="my-lines">
                <li>{audienceVote ? (audienceVote === r.truthId ? "You found the truth!" : `You picked “${textOf(audienceVote)}”.`) : "You did not vote this round."}</li>
                <li>{r.audiencePick ? `The audience picked “${textOf(r.audiencePick)}”.` : "No audience pick this round."}</li>
              </ul>
            )}
          </>
        ) : (
          <p class="hint">Revealing…</p>
        )}
      </section>
      {r ? <Standings rows={r.standings} players={game.players} /> : null}
    </main>
  );
}

function FinalView({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const done = snapshot.gameComplete;
  const names = namesOf(snapshot);
  const title = useRef<HTMLHeadingElement>(null);
  useFocusOnChange(title, "final");
  const standings: StandingRow[] =
    done?.standings ??
    [...game.players].sort((a, b) => b.score - a.score).map((p, i) => ({ playerId: p.id, name: p.name, score: p.score, place: i + 1, truthsFound: 0, robotsSpotted: 0, timesFooled: 0 }));
  const mine = snapshot.me ? standings.find((row) => row.playerId === snapshot.me!.id) : undefined;
  const won = done && snapshot.me ? done.winners.includes(snapshot.me.id) : false;
  return (
    <main class="view final-view">
      <h1 class="view-title" tabIndex={-1} ref={title}>
        {won ? "You won!" : "Game over!"}
      </h1>
      <div class="winners card" data-testid="winners">
        {done ? (
          <>
            <span class="reveal-label">{done.winners.length > 1 ? "The winners" : "The winner"}</span>
            <ul>
              {done.winners.map((id) => {
                const icon = game.players.find((p) => p.id === id)?.icon;
                return (
                  <li key={id}>
                    {icon ? <Icon id={icon} /> : null} {names.get(id) ?? "?"}
                  </li>
                );
              })}
            </ul>
          </>
        ) : (
          <p class="hint">Counting the scores…</p>
        )}
      </div>
      {mine ? (
        <p class="my-place">
          You finished {ordinal(mine.place)} with {mine.score} points.
        </p>
      ) : null}
      <Standings rows={standings} players={game.players} caption="Final standings" />
      {!snapshot.isHost ? <p class="hint waiting">The host can start another game.</p> : null}
    </main>
  );
}

// ---------------------------------------------------------------- host controls in game

function HostControls({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  if (!snapshot.isHost || snapshot.role !== "player" || game.phase === "lobby") return null;
  const disabled = !online(snapshot);
  return (
    <nav class="host-bar" aria-label="Host controls">
      {game.phase === "question" || game.phase === "elimination" || game.phase === "voting" ? (
        <button type="button" class="big" disabled={disabled} onClick={() => session.send("skip-phase", {})}>
          Skip
        </button>
      ) : null}
      {game.phase === "results" ? (
        <button type="button" class="primary big" disabled={disabled} onClick={() => session.send("next-round", {})}>
          Next round
        </button>
      ) : null}
      {game.phase === "final" ? (
        <button type="button" class="primary big" disabled={disabled} onClick={() => session.send("play-again", {})}>
          Play again
        </button>
      ) : null}
      <details class="manage">
        <summary>Players</summary>
        <PlayerList snapshot={snapshot} />
      </details>
    </nav>
  );
}

// ---------------------------------------------------------------- the page

/** A sentence for screen readers when the phase changes (the timer has its own live region). */
function announcement(snapshot: Snapshot): string {
  const game = snapshot.game;
  if (!game) return "";
  const player = snapshot.role === "player";
  switch (game.phase) {
    case "lobby":
      return "You're in the lobby.";
    case "question":
      return `Round ${game.round} of ${game.totalRounds}. ${player ? "Write a fake answer." : "The players are writing answers."}`;
    case "elimination":
      return player ? "Vote out the answer the robot wrote." : "The players are voting out the robot's answer.";
    case "voting":
      return "Vote for the answer you think is true.";
    case "results": {
      const r = snapshot.roundScores;
      if (!r) return "Results.";
      const textOf = (id: string) => game.options.find((o) => o.id === id)?.text ?? "";
      const mine = snapshot.me ? r.scores.find((s) => s.playerId === snapshot.me!.id) : undefined;
      return `The truth was ${textOf(r.truthId)}. The robot wrote ${textOf(r.robotId)}.${mine ? ` You scored ${points(mine.total)} this round.` : ""}`;
    }
    case "final":
      return snapshot.gameComplete ? `Game over. ${snapshot.gameComplete.winners.length > 1 ? "Winners" : "Winner"}: ${nameList(snapshot.gameComplete.winners, namesOf(snapshot))}.` : "Game over.";
  }
}

function Room({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  // What this phone typed is not in the state; keep it for the "Answer sent" card of this round.
  const [sent, setSent] = useState<{ round: number; text: string } | null>(null);
  const myAudienceVote = audienceVote && audienceVote.round === game.round ? audienceVote.optionId : null;
  let view;
  switch (game.phase) {
    case "lobby":
      view = <Lobby snapshot={snapshot} />;
      break;
    case "question":
      view = <QuestionView snapshot={snapshot} sentText={sent?.round === game.round ? sent.text : null} onSent={(text) => setSent({ round: game.round, text })} />;
      break;
    case "elimination":
    case "voting":
      view = <VoteView snapshot={snapshot} audienceVote={myAudienceVote} />;
      break;
    case "results":
      view = <ResultsView snapshot={snapshot} audienceVote={myAudienceVote} />;
      break;
    case "final":
      view = <FinalView snapshot={snapshot} />;
      break;
  }
  return (
    <div class={`room phase-${game.phase}`}>
      <TopBar game={game} />
      {game.paused ? (
        <p class="paused-note" role="status">
          Paused: every player is away. The clock starts again when someone is back.
        </p>
      ) : null}
      {view}
      <HostControls snapshot={snapshot} />
      <p class="visually-hidden" aria-live="polite">
        {announcement(snapshot)}
      </p>
    </div>
  );
}

const initialCode = codeFromPath(location.pathname);

function App({ resuming }: { resuming: boolean }) {
  const snapshot = useSnapshot(session);
  const [booting, setBooting] = useState(resuming);
  // A token that no longer works at page load is not news: the seat simply expired (or the room
  // closed while the phone was away). Offer the form without the "room is gone" banner.
  const [quiet, setQuiet] = useState(false);
  useEffect(() => {
    if (!resuming) return;
    void boot.then((ok) => {
      setBooting(false);
      setQuiet(!ok);
    });
  }, []);
  useEffect(() => {
    if (quiet && snapshot.status !== "gone") setQuiet(false);
  }, [snapshot.status]);
  // A game view only for the room we are in now (not the last one, while a new join is on its way).
  const inRoom =
    snapshot.game !== null &&
    snapshot.game.code === snapshot.code &&
    (snapshot.status === "connected" || snapshot.status === "reconnecting" || snapshot.status === "unreachable");
  const shown = quiet && snapshot.status === "gone" ? { ...snapshot, status: "idle" as const } : snapshot;
  return (
    <div class="phone">
      <StatusParts snapshot={shown} />
      {inRoom ? (
        <Room snapshot={snapshot} />
      ) : booting || (snapshot.status === "connected" && snapshot.code) ? (
        <main class="view">
          <p class="pending" role="status">
            {booting ? "Getting you back into room" : "Joining room"} {snapshot.code ?? initialCode}…
          </p>
        </main>
      ) : (
        <JoinForm snapshot={snapshot} initialCode={snapshot.code ?? initialCode} busy={snapshot.status === "connecting"} />
      )}
    </div>
  );
}

// A reload or a phone that slept comes back with the token kept for the room in the address, or,
// at `/`, for a room this browser was in.
const candidates = (initialCode ? [initialCode] : storedCodes()).filter((code) => isRoomCode(code) && session.storedToken(code));
const boot = (async () => {
  for (const code of candidates) {
    if (await session.resume(code)) {
      history.replaceState(null, "", `/join/${encodeURIComponent(code)}`);
      return true;
    }
  }
  return false;
})();

render(<App resuming={candidates.length > 0} />, document.getElementById("app")!);
