import { stopSharedControlPlane } from './harness/shared';

// Root-level hook: runs once after every e2e suite, whichever of them started the control plane.
after(async function () {
  this.timeout(60_000);
  await stopSharedControlPlane();
});
