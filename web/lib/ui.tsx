/**
 * Preact components both pages can use: the status strip every page has (UI contract "Common"),
 * icons, the icon picker, the lobby settings, and the score tables. Accessible names and test
 * ids here are the UI contract: keep them exactly.
 */
import { useEffect, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ICONS, MODES, TIMER_BOUNDS, type FinalRoundScores, type Mode, type SettingsUpdate, type StandingRow, type TimerName } from "../../src/protocol.ts";
import { countdownText, everyQuarterSecond, spokenCountdown } from "./countdown.ts";
import { CONNECTION_SENTENCES } from "./errors.ts";
import { iconEmoji } from "./icons.ts";
import { qrPath } from "./qr.ts";
import type { ConnectionStatus, GameView, PlayerView, Session, Snapshot } from "./session.ts";

/** The session's snapshot as component state: re-renders on every change. */
export function useSnapshot(session: Session): Snapshot {
  const [snapshot, setSnapshot] = useState(session.snapshot);
  useEffect(() => session.subscribe(setSnapshot), [session]);
  return snapshot;
}

/** An icon id drawn as its emoji, named by the id. */
export function Icon({ id }: { id: string }) {
  return (
    <span class="icon" role="img" aria-label={id}>
      {iconEmoji(id)}
    </span>
  );
}

/** The radio group labelled "Icon": one radio per icon id, each named by its id. */
export function IconPicker({ value, onChange, name = "icon" }: { value: string; onChange: (icon: string) => void; name?: string }) {
  return (
    <fieldset class="icon-picker" role="radiogroup" aria-label="Icon">
      <legend>Icon</legend>
      <div class="icon-grid">
        {ICONS.map((id) => (
          <label key={id} class="icon-choice">
            <input type="radio" name={name} value={id} checked={value === id} aria-label={id} onChange={() => onChange(id)} />
            <span aria-hidden="true">{iconEmoji(id)}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The connection banner's sentence for a status, or null when all is well. */
export function connectionSentence(status: ConnectionStatus): string | null {
  switch (status) {
    case "reconnecting":
      return CONNECTION_SENTENCES.reconnecting;
    case "unreachable":
      return CONNECTION_SENTENCES.unreachable;
    case "gone":
      return CONNECTION_SENTENCES.gone;
    case "kicked":
      return CONNECTION_SENTENCES.kicked;
    default:
      return null;
  }
}

/** Seconds left from the state's deadline, redrawn four times a second. */
export function Countdown({ deadline, paused, class: className }: { deadline: number; paused: boolean; class?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => everyQuarterSecond(setNow), []);
  const text = countdownText(deadline, paused, now);
  // The number changes every second and is hidden from screen readers; the live region speaks
  // only when a mark (60, 30, 10, 5 s) is crossed or the room pauses.
  return (
    <div class={`countdown ${className ?? ""}`} data-testid="countdown" aria-live="polite" aria-atomic="true">
      <span aria-hidden="true">{text}</span>
      <span class="visually-hidden">{spokenCountdown(deadline, paused, now)}</span>
    </div>
  );
}

/**
 * The parts every page has: the refusal alert, the raw phase name, the connection banner. The
 * alert is always in the page (empty when there is nothing to say) so its arrival moves nothing.
 */
export function StatusParts({ snapshot }: { snapshot: Snapshot }) {
  const banner = connectionSentence(snapshot.status);
  const error = snapshot.error;
  return (
    <>
      <div class="connection" data-testid="connection" role="status" hidden={banner === null} data-status={snapshot.status}>
        {banner ?? ""}
      </div>
      <div class="error" role="alert" data-testid="error" data-code={error?.code ?? undefined}>
        {error?.sentence ?? ""}
      </div>
      <span class="visually-hidden" data-testid="phase">
        {snapshot.game?.phase ?? ""}
      </span>
    </>
  );
}

/** A number input that keeps what is being typed until it is committed (Enter or leaving the field). */
function NumberSetting({ label, value, min, max, onCommit }: { label: string; value: number; min: number; max: number; onCommit: (n: number) => void }) {
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <label class="setting">
      <span>{label}</span>
      <input
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={draft ?? String(value)}
        onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)}
        onChange={(e) => {
          const n = Number((e.currentTarget as HTMLInputElement).value);
          setDraft(null);
          if (Number.isInteger(n) && n !== value) onCommit(n);
        }}
      />
    </label>
  );
}

const TIMER_LABELS: Record<TimerName, { label: string; field: keyof GameView["settings"] }> = {
  question: { label: "Question seconds", field: "questionSeconds" },
  elimination: { label: "Elimination seconds", field: "eliminationSeconds" },
  voting: { label: "Voting seconds", field: "votingSeconds" },
  results: { label: "Results seconds", field: "resultsSeconds" },
};

/**
 * The lobby settings (PROTOCOL §7 `update-settings`): every control sends only what it changed;
 * the state shows the result, so a refused change springs back.
 */
export function SettingsForm({ game, disabled, onUpdate }: { game: GameView; disabled?: boolean; onUpdate: (update: SettingsUpdate) => void }) {
  const s = game.settings;
  return (
    <fieldset class="settings" disabled={disabled}>
      <legend>Settings</legend>
      <label class="setting">
        <span>Mode</span>
        <select value={game.mode} onChange={(e) => onUpdate({ mode: (e.currentTarget as HTMLSelectElement).value as Mode })}>
          {MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode}
            </option>
          ))}
        </select>
      </label>
      {(Object.keys(TIMER_LABELS) as TimerName[]).map((timer) => (
        <NumberSetting
          key={timer}
          label={TIMER_LABELS[timer].label}
          value={s[TIMER_LABELS[timer].field] as number}
          min={TIMER_BOUNDS[timer].min}
          max={TIMER_BOUNDS[timer].max}
          onCommit={(n) => onUpdate({ timers: { [timer]: n } })}
        />
      ))}
      <label class="setting check">
        <input type="checkbox" checked={s.extendedTimers} onChange={(e) => onUpdate({ extendedTimers: (e.currentTarget as HTMLInputElement).checked })} />
        <span>Extended timers</span>
      </label>
      <label class="setting check">
        <input type="checkbox" checked={s.familyFriendly} onChange={(e) => onUpdate({ familyFriendly: (e.currentTarget as HTMLInputElement).checked })} />
        <span>Family friendly</span>
      </label>
    </fieldset>
  );
}

/** The standings table (results and final): place, player, score. */
export function Standings({ rows, players, caption = "Standings" }: { rows: readonly StandingRow[]; players: readonly PlayerView[]; caption?: string }) {
  const iconOf = new Map(players.map((p) => [p.id, p.icon]));
  return (
    <table class="standings" data-testid="standings">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Place</th>
          <th scope="col">Player</th>
          <th scope="col">Score</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.playerId} data-player-id={row.playerId} class={row.place === 1 ? "leader" : undefined}>
            <td data-testid="place">{row.place}</td>
            <th scope="row">
              {iconOf.has(row.playerId) ? <Icon id={iconOf.get(row.playerId)!} /> : null} {row.name}
            </th>
            <td data-testid="score">{row.score}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Signed points, "+500" / "−500" / "0". */
export function points(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0";
}

/** The round scores table: each component, already multiplied, and the round total. */
export function RoundScores({ scores, names }: { scores: FinalRoundScores; names: ReadonlyMap<string, string> }) {
  return (
    <table class="round-scores" data-testid="round-scores">
      <caption>
        Round {scores.round} scores{scores.multiplier > 1 ? ` (×${scores.multiplier})` : ""}
      </caption>
      <thead>
        <tr>
          <th scope="col">Player</th>
          <th scope="col">Found the truth</th>
          <th scope="col">Spotted the robot</th>
          <th scope="col">Fooled others</th>
          <th scope="col">Fooled by the robot</th>
          <th scope="col">Round</th>
        </tr>
      </thead>
      <tbody>
        {scores.scores.map((row) => (
          <tr key={row.playerId} data-player-id={row.playerId}>
            <th scope="row">{names.get(row.playerId) ?? "?"}</th>
            <td>{points(row.correctAnswerPoints)}</td>
            <td>{points(row.robotIdentifiedPoints)}</td>
            <td>{points(row.votesReceivedPoints)}</td>
            <td>{points(row.fooledPenalty)}</td>
            <td data-testid="round-total">{points(row.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The QR code of `url` as an SVG, named for screen readers. */
export function QrCode({ url }: { url: string }) {
  const { size, path } = qrPath(url);
  const view = size + 8; // four modules of quiet zone on each side
  return (
    <svg class="qr" data-testid="qr" role="img" aria-label={`QR code of ${url}`} viewBox={`-4 -4 ${view} ${view}`} shape-rendering="crispEdges">
      <rect x={-4} y={-4} width={view} height={view} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

/** A button; `label` is its accessible name when the visible text is shorter. */
export function Button({ children, onClick, label, disabled, class: className }: { children: ComponentChildren; onClick: () => void; label?: string; disabled?: boolean; class?: string }) {
  return (
    <button type="button" class={className} aria-label={label} disabled={disabled} onClick={onClick}>
      {children}
    </button>
  );
}
