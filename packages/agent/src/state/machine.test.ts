import { describe, expect, it } from 'vitest';
import {
  idleState,
  INSTALL_EVENT_TYPES,
  INSTALL_PHASES,
  nextPhase,
  OUTCOME_PHASES,
  PRE_ACTIVATION_PHASES,
  REFUSAL_CODES,
  type InstallEvent,
  type InstallPhase,
  type InstallState,
  type RefusalCode,
  type ReleaseInfo,
  type TransitionResult,
} from './machine.js';

const T0 = '2026-03-01T12:00:00.000Z';
const T1 = '2026-03-01T12:00:01.000Z';
const RELEASE: ReleaseInfo = { name: 'osprey-os', version: '2.0.0', securityVersion: 3, sha256: 'ab'.repeat(32), length: 1024 };

/** A consistent state in `phase` for action act-1 installing slot b over slot a, last seen in boot-1. */
function inPhase(phase: InstallPhase): InstallState {
  if (phase === 'idle') return idleState(T0);
  const trialOrLater = ['trial', 'committed', 'rolling_back', 'rolled_back'].includes(phase);
  return {
    phase,
    actionId: 'act-1',
    targetSlot: 'b',
    previousSlot: 'a',
    release: RELEASE,
    attempts: trialOrLater ? 1 : 0,
    bootId: 'boot-1',
    reason: null,
    updatedAt: T0,
  };
}

const EVENTS = {
  start: { type: 'start', actionId: 'act-1', release: RELEASE, targetSlot: 'b', previousSlot: 'a' },
  'start (other action)': { type: 'start', actionId: 'act-2', release: RELEASE, targetSlot: 'b', previousSlot: 'a' },
  download_complete: { type: 'download_complete' },
  install_begin: { type: 'install_begin' },
  install_complete: { type: 'install_complete' },
  activate: { type: 'activate', bootId: 'boot-1' },
  'reboot_observed (target, same boot)': { type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-1' },
  'reboot_observed (target, new boot)': { type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-2' },
  'reboot_observed (previous, same boot)': { type: 'reboot_observed', bootedSlot: 'a', bootId: 'boot-1' },
  'reboot_observed (previous, new boot)': { type: 'reboot_observed', bootedSlot: 'a', bootId: 'boot-2' },
  health_ok: { type: 'health_ok' },
  health_failed: { type: 'health_failed', reason: 'service osprey-app is not running' },
  health_timeout: { type: 'health_timeout' },
  crash_loop_detected: { type: 'crash_loop_detected' },
  rollback_complete: { type: 'rollback_complete' },
  cancel: { type: 'cancel', actionId: 'act-1' },
  'cancel (other action)': { type: 'cancel', actionId: 'act-2' },
  error: { type: 'error', message: 'disk full' },
  reported: { type: 'reported' },
} as const satisfies Record<string, InstallEvent>;
type EventName = keyof typeof EVENTS;

/** A phase: changed to that phase; `noop`: accepted without change; else the refusal code. */
type Outcome = InstallPhase | 'noop' | RefusalCode;

const PRE: InstallPhase[] = ['downloading', 'downloaded', 'installing', 'installed'];
const all = (outcome: Outcome, except: InstallPhase[] = []): Partial<Record<InstallPhase, Outcome>> =>
  Object.fromEntries(INSTALL_PHASES.filter((p) => !except.includes(p)).map((p) => [p, outcome]));
const each = (phases: InstallPhase[], outcome: Outcome): Partial<Record<InstallPhase, Outcome>> => Object.fromEntries(phases.map((p) => [p, outcome]));

/**
 * Written out from the design (machine.ts header and architecture §6), independently of the
 * implementation's table. Phases not listed for an event: `illegal_transition`.
 */
const EXPECTED: Record<EventName, Partial<Record<InstallPhase, Outcome>>> = {
  start: { ...all('noop'), idle: 'downloading' },
  'start (other action)': { ...all('busy'), idle: 'downloading' },
  download_complete: { downloading: 'downloaded', downloaded: 'noop' },
  install_begin: { downloaded: 'installing', installing: 'noop' },
  install_complete: { installing: 'installed', installed: 'noop' },
  activate: { installed: 'activating', activating: 'noop' },
  'reboot_observed (target, same boot)': {
    ...each(['downloading', 'downloaded', 'installing', 'failed', 'canceled', 'rolled_back'], 'unexpected_slot'),
    idle: 'noop',
    installed: 'trial',
    activating: 'trial',
    trial: 'noop',
    committed: 'noop',
    rolling_back: 'noop',
  },
  'reboot_observed (target, new boot)': {
    ...each(['downloading', 'downloaded', 'installing', 'failed', 'canceled', 'rolled_back'], 'unexpected_slot'),
    idle: 'noop',
    installed: 'trial',
    activating: 'trial',
    trial: 'trial',
    committed: 'noop',
    rolling_back: 'rolling_back',
  },
  'reboot_observed (previous, same boot)': {
    ...each([...PRE, 'failed', 'canceled', 'rolled_back'], 'noop'),
    idle: 'noop',
    activating: 'noop',
    trial: 'unexpected_slot',
    committed: 'unexpected_slot',
    rolling_back: 'noop',
  },
  'reboot_observed (previous, new boot)': {
    ...each([...PRE, 'failed', 'canceled', 'rolled_back'], 'noop'),
    idle: 'noop',
    activating: 'rolling_back',
    trial: 'rolling_back',
    committed: 'unexpected_slot',
    rolling_back: 'rolling_back',
  },
  health_ok: { trial: 'committed', committed: 'noop' },
  health_failed: { trial: 'rolling_back', rolling_back: 'noop' },
  health_timeout: { trial: 'rolling_back', rolling_back: 'noop' },
  crash_loop_detected: { activating: 'rolling_back', trial: 'rolling_back', rolling_back: 'noop' },
  rollback_complete: { rolling_back: 'rolled_back', rolled_back: 'noop' },
  cancel: { ...each(PRE, 'canceled'), canceled: 'noop', idle: 'noop' },
  'cancel (other action)': { ...all('wrong_action'), idle: 'noop' },
  error: { ...each(PRE, 'failed'), activating: 'rolling_back', trial: 'rolling_back', failed: 'noop', rolling_back: 'noop' },
  reported: { committed: 'idle', rolled_back: 'idle', failed: 'idle', canceled: 'idle', idle: 'noop' },
};

function outcome(result: TransitionResult): Outcome {
  if (!result.ok) return result.refusal.code;
  return result.changed ? result.state.phase : 'noop';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('nextPhase: the transition table', () => {
  it('the catalogue covers every event type and every refusal code', () => {
    expect(new Set(Object.values(EVENTS).map((e) => e.type))).toEqual(new Set(INSTALL_EVENT_TYPES));
    const codes = new Set(Object.values(EXPECTED).flatMap((row) => INSTALL_PHASES.map((p) => row[p] ?? 'illegal_transition')));
    // invalid_event (a malformed start) is covered below.
    for (const code of Object.keys(REFUSAL_CODES)) if (code !== 'invalid_event') expect(codes).toContain(code);
  });

  for (const name of Object.keys(EVENTS) as EventName[]) {
    it(`${name}: every phase`, () => {
      const expected = Object.fromEntries(INSTALL_PHASES.map((p) => [p, EXPECTED[name][p] ?? 'illegal_transition']));
      const actual = Object.fromEntries(INSTALL_PHASES.map((p) => [p, outcome(nextPhase(deepFreeze(inPhase(p)), EVENTS[name], T1))]));
      expect(actual).toEqual(expected);
    });
  }

  it('the exported phase groups agree with the table', () => {
    const legalIn = (event: EventName) =>
      INSTALL_PHASES.filter((p) => (INSTALL_PHASES as readonly string[]).includes(outcome(nextPhase(inPhase(p), EVENTS[event]))));
    expect(legalIn('cancel')).toEqual([...PRE_ACTIVATION_PHASES]);
    expect(legalIn('reported')).toEqual([...OUTCOME_PHASES]);
  });

  it('a refusal says which phase and event, and why', () => {
    const result = nextPhase(inPhase('downloading'), { type: 'health_ok' });
    expect(result).toEqual({
      ok: false,
      refusal: {
        code: 'illegal_transition',
        phase: 'downloading',
        event: 'health_ok',
        message: 'health_ok is not legal in phase downloading (legal in: trial)',
      },
    });
  });
});

describe('nextPhase: idempotence', () => {
  it('applying the event that made the change again is a no-op, for every legal change', () => {
    let checked = 0;
    for (const name of Object.keys(EVENTS) as EventName[]) {
      for (const phase of INSTALL_PHASES) {
        const first = nextPhase(inPhase(phase), EVENTS[name], T1);
        if (!first.ok || !first.changed) continue;
        const second = nextPhase(first.state, EVENTS[name], '2026-03-01T12:00:02.000Z');
        expect({ name, phase, second }).toEqual({ name, phase, second: { ok: true, state: first.state, changed: false } });
        checked++;
      }
    }
    const changes = Object.values(EXPECTED)
      .flatMap((row) => Object.values(row))
      .filter((o) => (INSTALL_PHASES as readonly string[]).includes(o));
    expect(checked).toBe(changes.length);
    expect(checked).toBeGreaterThan(30);
  });
});

describe('nextPhase: what each transition records', () => {
  it('start records the action, slots and release and resets the rest', () => {
    const r = nextPhase(idleState(T0), EVENTS.start, T1);
    expect(r).toEqual({
      ok: true,
      changed: true,
      state: {
        phase: 'downloading',
        actionId: 'act-1',
        targetSlot: 'b',
        previousSlot: 'a',
        release: RELEASE,
        attempts: 0,
        bootId: null,
        reason: null,
        updatedAt: T1,
      },
    });
  });

  it('start is refused as invalid_event when malformed, in any phase', () => {
    const bad: InstallEvent[] = [
      { ...EVENTS.start, targetSlot: 'a' },
      { ...EVENTS.start, actionId: '' },
      { ...EVENTS.start, release: { ...RELEASE, sha256: 'AB'.repeat(32) } },
      { ...EVENTS.start, release: { ...RELEASE, securityVersion: -1 } },
      { ...EVENTS.start, release: { ...RELEASE, length: 1.5 } },
    ];
    for (const phase of ['idle', 'trial'] as const) {
      for (const event of bad) expect(outcome(nextPhase(inPhase(phase), event))).toBe('invalid_event');
    }
  });

  it('activate records the boot; the first trial boot counts 1 attempt, each new boot one more, the same boot none', () => {
    let s = nextPhase(inPhase('installed'), { type: 'activate', bootId: 'boot-7' }, T1);
    expect(s.ok && s.state).toMatchObject({ phase: 'activating', bootId: 'boot-7', attempts: 0 });
    s = nextPhase(s.ok ? s.state : inPhase('idle'), { type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-8' });
    expect(s.ok && s.state).toMatchObject({ phase: 'trial', bootId: 'boot-8', attempts: 1 });
    s = nextPhase(s.ok ? s.state : inPhase('idle'), { type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-9' });
    expect(s.ok && s.state).toMatchObject({ phase: 'trial', bootId: 'boot-9', attempts: 2 });
    const same = nextPhase(s.ok ? s.state : inPhase('idle'), { type: 'reboot_observed', bootedSlot: 'b', bootId: 'boot-9' });
    expect(same.ok && same.changed).toBe(false);
  });

  it('records why it rolls back; a later error does not hide the first reason', () => {
    const failed = nextPhase(inPhase('trial'), EVENTS.health_failed);
    expect(failed.ok && failed.state.reason).toBe('health check failed: service osprey-app is not running');
    const fellBack = nextPhase(inPhase('trial'), EVENTS['reboot_observed (previous, new boot)']);
    expect(fellBack.ok && fellBack.state.reason).toBe('the bootloader fell back to slot a');
    const timeout = nextPhase(inPhase('trial'), EVENTS.health_timeout);
    expect(timeout.ok && timeout.state.reason).toBe('health check timed out');
    const afterError = nextPhase(timeout.ok ? timeout.state : inPhase('idle'), EVENTS.error);
    expect(afterError.ok && afterError.state.reason).toBe('health check timed out');
    const pre = nextPhase(inPhase('installing'), EVENTS.error);
    expect(pre.ok && pre.state).toMatchObject({ phase: 'failed', reason: 'disk full' });
  });

  it('reported returns to a clean idle state', () => {
    for (const phase of ['committed', 'rolled_back', 'failed', 'canceled'] as const) {
      expect(nextPhase(inPhase(phase), EVENTS.reported, T1)).toEqual({ ok: true, changed: true, state: idleState(T1) });
    }
  });

  it('stamps updatedAt only on a change, and only with the time given', () => {
    const changed = nextPhase(inPhase('downloading'), EVENTS.download_complete, T1);
    expect(changed.ok && changed.state.updatedAt).toBe(T1);
    const noop = nextPhase(inPhase('downloaded'), EVENTS.download_complete, T1);
    expect(noop.ok && noop.state.updatedAt).toBe(T0);
    const unstamped = nextPhase(inPhase('downloading'), EVENTS.download_complete);
    expect(unstamped.ok && unstamped.state.updatedAt).toBe(T0);
  });
});

describe('nextPhase: whole installs', () => {
  function run(events: InstallEvent[]): InstallPhase[] {
    let state = idleState(T0);
    const phases: InstallPhase[] = [];
    for (const e of events) {
      const r = nextPhase(state, e, T1);
      if (!r.ok) throw new Error(`${e.type} refused: ${r.refusal.message}`);
      state = r.state;
      phases.push(state.phase);
    }
    return phases;
  }
  const prefix: InstallEvent[] = [
    EVENTS.start,
    EVENTS.download_complete,
    EVENTS.install_begin,
    EVENTS.install_complete,
    { type: 'activate', bootId: 'boot-1' },
  ];

  it('commit', () => {
    expect(run([...prefix, EVENTS['reboot_observed (target, new boot)'], EVENTS.health_ok, EVENTS.reported])).toEqual([
      'downloading',
      'downloaded',
      'installing',
      'installed',
      'activating',
      'trial',
      'committed',
      'idle',
    ]);
  });

  it('health check fails: roll back', () => {
    expect(
      run([
        ...prefix,
        EVENTS['reboot_observed (target, new boot)'],
        EVENTS.health_failed,
        { type: 'reboot_observed', bootedSlot: 'a', bootId: 'boot-3' },
        EVENTS.rollback_complete,
        EVENTS.reported,
      ]).slice(5),
    ).toEqual(['trial', 'rolling_back', 'rolling_back', 'rolled_back', 'idle']);
  });

  it('the new slot crash-loops before the agent runs: the bootloader falls back, the agent sees it and rolls back', () => {
    expect(run([...prefix, EVENTS['reboot_observed (previous, new boot)'], EVENTS.rollback_complete]).slice(5)).toEqual(['rolling_back', 'rolled_back']);
  });

  it('canceled while installing', () => {
    expect(run([...prefix.slice(0, 3), EVENTS.cancel, EVENTS.reported]).slice(3)).toEqual(['canceled', 'idle']);
  });
});
