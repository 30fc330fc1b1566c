/**
 * The host screen (`/host`): the TV everybody looks at. It creates the room (a display host by
 * default, or a playing host with "I play too"), shows the code, the join URL and its QR code,
 * then every phase of the game with the host's controls. Everything is drawn from the session
 * snapshot (web/lib/session.ts); accessible names and test ids follow the UI contract.
 */
import "./lib/base.css";
import "./host.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { DEFAULT_MODE, MAX_PLAYERS, MODES, NAME_MAX_LENGTH, ANSWER_MAX_LENGTH, canonicalCode, isRoomCode, type Icon as IconId, type Mode } from "../src/protocol.ts";
import { roundMultiplier } from "../src/game/scoring.ts";
import { joinUrl, lanUrlsFromPage, phoneBaseUrl } from "./lib/config.ts";
import { Session, type GameView, type OptionView, type PlayerView, type Snapshot } from "./lib/session.ts";
import { Button, Countdown, Icon, IconPicker, QrCode, RoundScores, SettingsForm, Standings, StatusParts, useSnapshot } from "./lib/ui.tsx";

/** The host keeps its token under its own key, so a phone tab in the same browser cannot overwrite it. */
const HOST_TOKEN_PREFIX = "robots:host:";

const session = new Session({ tokenKeyPrefix: HOST_TOKEN_PREFIX });
const phoneBase = phoneBaseUrl(location, lanUrlsFromPage());

// ---------------------------------------------------------------- before a room

function CreateForm({ busy }: { busy: boolean }) {
  const [plays, setPlays] = useState(false);
  const [name, setName] = useState("");
  const [icon, setIcon] = useState<IconId>("robot");
  const [mode, setMode] = useState<Mode>(DEFAULT_MODE);
  const create = async () => {
    const ok = await session.create(plays ? { hostPlays: true, name, icon, mode } : { hostPlays: false, mode });
    if (ok && session.snapshot.code) history.replaceState(null, "", `/host?room=${encodeURIComponent(session.snapshot.code)}`);
  };
  return (
    <section class="create card" aria-labelledby="create-title">
      <h1 id="create-title" class="brand">
        <Icon id="robot" /> Robots
      </h1>
      <p class="lead">One screen for everybody, a phone in every hand. Spot the truth, unmask the robot.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <label class="setting">
          <span>Mode</span>
          <select value={mode} onChange={(e) => setMode((e.currentTarget as HTMLSelectElement).value as Mode)}>
            {MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label class="setting check">
          <input type="checkbox" checked={plays} onChange={(e) => setPlays((e.currentTarget as HTMLInputElement).checked)} />
          <span>I play too</span>
        </label>
        <div class="plays" hidden={!plays}>
          <label class="setting">
            <span>Your name</span>
            <input type="text" autocomplete="nickname" maxLength={NAME_MAX_LENGTH} value={name} required={plays} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <IconPicker value={icon} onChange={(id) => setIcon(id as IconId)} />
        </div>
        <button type="submit" class="primary big" disabled={busy}>
          Create room
        </button>
      </form>
    </section>
  );
}

// ---------------------------------------------------------------- parts

function namesOf(snapshot: Snapshot): Map<string, string> {
  const names = new Map<string, string>();
  for (const p of snapshot.game?.players ?? []) names.set(p.id, p.name);
  for (const row of snapshot.roundScores?.standings ?? snapshot.gameComplete?.standings ?? []) if (!names.has(row.playerId)) names.set(row.playerId, row.name);
  return names;
}

/** What a player has done in this phase, never what they chose. */
function playerStatus(p: PlayerView, game: GameView): string {
  if (!p.connected) return "away";
  if (game.phase === "question") return p.hasAnswered ? "answered" : "writing…";
  if (game.phase === "elimination" || game.phase === "voting") return p.hasVoted ? "voted" : "choosing…";
  return "";
}

function Players({ snapshot, compact }: { snapshot: Snapshot; compact: boolean }) {
  const game = snapshot.game!;
  const empty = compact ? 0 : Math.max(0, MAX_PLAYERS - game.players.length);
  return (
    <section class={`players-panel ${compact ? "compact" : ""}`} aria-labelledby="players-title">
      <h2 id="players-title" class={compact ? "visually-hidden" : undefined}>
        Players ({game.players.length} of {MAX_PLAYERS}){game.audienceCount > 0 ? ` · audience ${game.audienceCount}` : ""}
      </h2>
      <ul class="players" data-testid="players">
        {game.players.map((p) => {
          const status = playerStatus(p, game);
          return (
            <li key={p.id} data-player-id={p.id} class={`player ${p.connected ? "" : "away"} ${status === "answered" || status === "voted" ? "done" : ""}`}>
              <Icon id={p.icon} />
              <span class="name">{p.name}</span>
              {p.isHost ? <span class="tag">host</span> : null}
              {game.phase !== "lobby" ? <span class="score">{p.score}</span> : null}
              <span class="status">{status}</span>
              {snapshot.isHost && p.id !== snapshot.sessionId ? (
                <Button class="kick" label={`Kick ${p.name}`} onClick={() => session.send("kick-player", { playerId: p.id })}>
                  Kick
                </Button>
              ) : null}
            </li>
          );
        })}
        {Array.from({ length: empty }, (_, i) => (
          <li key={`empty-${i}`} class="player empty" aria-hidden="true">
            <span class="name">waiting…</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Lobby({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const url = joinUrl(phoneBase, game.code);
  const connected = game.players.filter((p) => p.connected).length;
  return (
    <div class="lobby">
      <section class="join card" aria-labelledby="join-title">
        <h2 id="join-title">Join on your phone</h2>
        <p class="code-label">Room code</p>
        <p class="room-code" data-testid="room-code" aria-label={`Room code ${[...game.code].join(" ")}`}>
          {game.code}
        </p>
        <QrCode url={url} />
        <p class="join-url">
          <a data-testid="join-url" href={url}>
            {url}
          </a>
        </p>
      </section>
      <div class="lobby-side">
        <Players snapshot={snapshot} compact={false} />
        {snapshot.isHost ? (
          <section class="card">
            <SettingsForm game={game} onUpdate={(update) => session.send("update-settings", update)} />
            <div class="start">
              <Button class="primary big" onClick={() => session.send("start-game", {})}>
                Start game
              </Button>
              <span class="hint">{connected < 2 ? "Waiting for at least 2 players…" : `${connected} players ready`}</span>
            </div>
          </section>
        ) : null}
      </div>
    </div>
  );
}

function Question({ game }: { game: GameView }) {
  return (
    <section class="question-box" aria-labelledby="question-text">
      <h2 id="question-text" class="question" data-testid="question">
        {game.question.text}
      </h2>
      {game.question.type === "picture" && game.question.imageUrl ? (
        <img class="question-image" data-testid="question-image" src={game.question.imageUrl} alt="The picture this question is about" />
      ) : null}
    </section>
  );
}

function Options({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const censor = snapshot.role === "display-host" && game.phase === "elimination";
  return (
    <ul class="options" data-testid="options">
      {game.options.map((o) => (
        <li key={o.id} data-option-id={o.id} data-eliminated={o.eliminated ? "true" : undefined} class={`option ${o.eliminated ? "eliminated" : ""}`}>
          <span class="text">{o.text}</span>
          {o.eliminated ? <span class="tag">eliminated</span> : null}
          {censor ? (
            <Button class="censor" label={`Censor ${o.text}`} onClick={() => session.send("censor-answer", { optionId: o.id })}>
              Censor
            </Button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function EliminationResult({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const out = game.options.find((o) => o.eliminated);
  const e = snapshot.elimination;
  const text = out ? `Voted out: “${out.text}”` : e?.tie ? "A tie: nothing was voted out." : "Nothing was voted out.";
  return (
    <p class="elimination-result" role="status">
      {text}
    </p>
  );
}

function nameList(ids: readonly string[], names: ReadonlyMap<string, string>): string {
  return ids.map((id) => names.get(id) ?? "someone").join(", ");
}

function Reveal({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const r = snapshot.roundScores;
  const names = namesOf(snapshot);
  if (!r) {
    return (
      <section class="results" data-testid="results" aria-live="polite">
        <p class="pending">Revealing…</p>
      </section>
    );
  }
  const textOf = (id: string | null) => game.options.find((o) => o.id === id)?.text ?? "";
  const votersOf = (id: string) => Object.entries(r.finalVotes).filter(([, option]) => option === id).map(([player]) => player);
  const order = [...game.options].sort((a, b) => rank(a, r.truthId, r.robotId) - rank(b, r.truthId, r.robotId));
  return (
    <section class="results" data-testid="results" aria-live="polite" aria-labelledby="results-title">
      <h2 id="results-title" class="visually-hidden">
        Round {r.round} results
      </h2>
      <div class="reveal">
        <p class="truth-line">
          <span>
            The truth: <strong data-testid="truth">{textOf(r.truthId)}</strong>
          </span>
          <span>
            <Icon id="robot" /> The robot wrote: <strong data-testid="robot">{textOf(r.robotId)}</strong>
          </span>
        </p>
        <ul class="reveal-options">
          {order.map((o: OptionView) => {
            const voters = votersOf(o.id);
            const authors = r.authors[o.id] ?? [];
            const kind = o.id === r.truthId ? "truth" : o.id === r.robotId ? "robot" : "fake";
            return (
              <li key={o.id} data-option-id={o.id} class={`reveal-option ${kind}`}>
                <span class="line">
                  <span class="text">{o.text}</span>
                  <span class="by">{kind === "truth" ? "the truth" : kind === "robot" ? "the robot" : authors.length > 0 ? `by ${nameList(authors, names)}` : "by a player who left"}</span>
                </span>
                <span class="line">
                  <span class="voters">{voters.length > 0 ? `chosen by ${nameList(voters, names)}` : "nobody chose it"}</span>
                  {r.eliminatedId === o.id ? <span class="tag">voted out</span> : null}
                  {r.audiencePick === o.id ? <span class="tag audience">audience pick</span> : null}
                </span>
              </li>
            );
          })}
        </ul>
        <p class="audience-line">{r.audiencePick ? `The audience picked “${textOf(r.audiencePick)}”.` : "No audience pick this round."}</p>
      </div>
      <div class="tables">
        <RoundScores scores={r} names={names} />
        <Standings rows={r.standings} players={game.players} />
      </div>
    </section>
  );
}

function rank(o: OptionView, truthId: string, robotId: string): number {
  return o.id === truthId ? 0 : o.id === robotId ? 1 : 2;
}

function Final({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const done = snapshot.gameComplete;
  const names = namesOf(snapshot);
  const standings = done?.standings ?? [...game.players].sort((a, b) => b.score - a.score).map((p, i) => ({ playerId: p.id, name: p.name, score: p.score, place: i + 1, truthsFound: 0, robotsSpotted: 0, timesFooled: 0 }));
  return (
    <section class="final" aria-labelledby="final-title">
      <h2 id="final-title">Game over!</h2>
      <div class="winners" data-testid="winners" aria-live="polite">
        {done ? (
          <>
            <span class="winners-label">{done.winners.length > 1 ? "The winners" : "The winner"}</span>
            <ul>
              {done.winners.map((id) => (
                <li key={id}>
                  {game.players.find((p) => p.id === id) ? <Icon id={game.players.find((p) => p.id === id)!.icon} /> : null} {names.get(id) ?? "?"}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
      <Standings rows={standings} players={game.players} caption="Final standings" />
    </section>
  );
}

/** The host screen's own player controls, when the host plays ("I play too"). */
function PlayerControls({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const me = snapshot.me!;
  const [answer, setAnswer] = useState("");
  useEffect(() => setAnswer(""), [game.round]);
  const own = new Set(snapshot.own?.ownOptionIds ?? []);
  if (game.phase === "question") {
    if (me.hasAnswered) return <p class="sent">Answer sent</p>;
    return (
      <form
        class="my-answer"
        onSubmit={(e) => {
          e.preventDefault();
          session.send("submit-answer", { answer });
        }}
      >
        <label class="setting">
          <span>Your fake answer</span>
          <input type="text" maxLength={ANSWER_MAX_LENGTH} value={answer} onInput={(e) => setAnswer((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">
          Submit answer
        </button>
      </form>
    );
  }
  if (game.phase === "elimination" || game.phase === "voting") {
    if (me.hasVoted) return <p class="sent">Vote sent</p>;
    const final = game.phase === "voting";
    return (
      <div class="my-vote" data-testid={final ? "final-options" : "elimination-options"}>
        <p>{final ? "Which one is true?" : "Which one did the robot write?"}</p>
        {game.options
          .filter((o) => !(final && o.eliminated))
          .map((o) => (
            <Button
              key={o.id}
              disabled={own.has(o.id)}
              onClick={() => session.send(final ? "submit-final-vote" : "submit-elimination-vote", { optionId: o.id })}
            >
              {o.text}
            </Button>
          ))}
      </div>
    );
  }
  return null;
}

function HostControls({ snapshot }: { snapshot: Snapshot }) {
  const phase = snapshot.game!.phase;
  if (!snapshot.isHost || phase === "lobby") return null;
  return (
    <nav class="host-controls" aria-label="Host controls">
      {phase === "question" || phase === "elimination" || phase === "voting" ? (
        <Button onClick={() => session.send("skip-phase", {})}>Skip</Button>
      ) : null}
      {phase === "results" ? (
        <Button class="primary" onClick={() => session.send("next-round", {})}>
          Next round
        </Button>
      ) : null}
      {phase === "final" ? (
        <Button class="primary" onClick={() => session.send("play-again", {})}>
          Play again
        </Button>
      ) : null}
    </nav>
  );
}

const PHASE_TITLES: Record<string, string> = {
  question: "Write a fake answer on your phone!",
  elimination: "Which answer did the robot write? Vote it out!",
  voting: "Which answer is the truth?",
  results: "The reveal",
  final: "Final standings",
};

function Game({ snapshot }: { snapshot: Snapshot }) {
  const game = snapshot.game!;
  const multiplier = roundMultiplier(game.round, game.totalRounds);
  const progressWord = game.phase === "question" ? "answered" : "voted";
  const showProgress = game.phase === "question" || game.phase === "elimination" || game.phase === "voting";
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // A control that vanished with the last phase leaves focus nowhere: bring it to the new phase.
    if (document.activeElement === document.body || document.activeElement === null) heading.current?.focus();
  }, [game.phase]);
  return (
    <div class={`game phase-${game.phase}`}>
      <header class="game-bar">
        <span class="code-small" aria-label={`Room code ${game.code}`}>
          {game.code}
        </span>
        <span class="round" data-testid="round">
          Round {game.round} of {game.totalRounds}
          <span class="multiplier"> ×{multiplier}</span>
        </span>
        <span class="progress" data-testid="progress" aria-live="polite" hidden={!showProgress}>
          {showProgress ? `${snapshot.progress.done} of ${snapshot.progress.of} ${progressWord}` : ""}
        </span>
        <Countdown deadline={game.deadline} paused={game.paused} class="big" />
      </header>
      {game.paused ? (
        <p class="paused-note" role="status">
          Paused: every player is away. The clock starts again when someone is back.
        </p>
      ) : null}
      <h2 class="phase-title" tabIndex={-1} ref={heading}>
        {PHASE_TITLES[game.phase] ?? ""}
      </h2>
      <main class="stage">
        {game.phase !== "final" ? <Question game={game} /> : null}
        {game.phase === "elimination" || game.phase === "voting" ? <Options snapshot={snapshot} /> : null}
        {game.phase === "voting" ? <EliminationResult snapshot={snapshot} /> : null}
        {game.phase === "results" ? <Reveal snapshot={snapshot} /> : null}
        {game.phase === "final" ? <Final snapshot={snapshot} /> : null}
        {snapshot.role === "player" ? <PlayerControls snapshot={snapshot} /> : null}
      </main>
      <footer class="game-foot">
        <Players snapshot={snapshot} compact={true} />
        <HostControls snapshot={snapshot} />
      </footer>
    </div>
  );
}

// ---------------------------------------------------------------- the page

function App() {
  const snapshot = useSnapshot(session);
  const inRoom = snapshot.game !== null && (snapshot.status === "connected" || snapshot.status === "reconnecting" || snapshot.status === "unreachable");
  return (
    <div class="host-screen">
      <StatusParts snapshot={snapshot} />
      {inRoom ? (
        snapshot.game!.phase === "lobby" ? (
          <main class="stage">
            <Lobby snapshot={snapshot} />
          </main>
        ) : (
          <Game snapshot={snapshot} />
        )
      ) : snapshot.status === "connecting" && snapshot.code ? (
        <p class="pending">Connecting to room {snapshot.code}…</p>
      ) : (
        <main class="stage">
          <CreateForm busy={snapshot.status === "connecting"} />
        </main>
      )}
    </div>
  );
}

// A reload comes back to the room named in the address, with the token this browser kept.
const wanted = canonicalCode(new URLSearchParams(location.search).get("room") ?? "");
if (isRoomCode(wanted) && session.storedToken(wanted)) {
  void session.resume(wanted).then((ok) => {
    if (!ok) history.replaceState(null, "", "/host");
  });
}

render(<App />, document.getElementById("app")!);
