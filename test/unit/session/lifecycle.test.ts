import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Lifecycle, PHASES, canMove, IllegalTransition } from '../../../adapter/src/session/lifecycle';

describe('session/lifecycle', () => {
  it('walks accepted -> authenticating -> claiming -> resuming -> open -> closing -> closed', () => {
    const l = new Lifecycle();
    for (const p of ['authenticating', 'claiming', 'resuming', 'open', 'closing', 'closed'] as const) {
      l.move(p);
      assert.equal(l.phase, p);
    }
    assert.equal(l.ended, true);
  });

  it('may start closing from every phase before closing, and from nowhere after', () => {
    for (const p of PHASES) assert.equal(canMove(p, 'closing'), p !== 'closing' && p !== 'closed', p);
  });

  it('never moves backwards or skips a phase (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PHASES), fc.constantFrom(...PHASES), (from, to) => {
        const i = PHASES.indexOf(from);
        const j = PHASES.indexOf(to);
        const legal = j === i + 1 || (to === 'closing' && i < PHASES.indexOf('closing'));
        assert.equal(canMove(from, to), legal, `${from} -> ${to}`);
      }),
    );
  });

  it('throws on an illegal move and stays where it was', () => {
    const l = new Lifecycle();
    assert.throws(() => l.move('open'), IllegalTransition);
    assert.equal(l.phase, 'accepted');
  });
});
