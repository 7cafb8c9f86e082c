import assert from 'node:assert/strict';
import type { CaseGroup } from '../case.js';
import { verifyServer } from '../verify.js';

/** The runner's verify-before-measuring subset must pass on every server that passes the whole suite. */
export const verificationCases: CaseGroup = {
  name: 'verification',
  cases: [
    {
      name: "passes the runner's verification, every check run, the reload included",
      async run(sut) {
        await sut.start();
        const outcome = await verifyServer({
          url: sut.url,
          reload: async () => {
            await sut.stopCleanly();
            await sut.start({ load: true });
            return sut.url;
          },
        });
        const failed = outcome.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`);
        assert.deepStrictEqual(failed, [], `${sut.name} fails verification`);
        assert.deepStrictEqual(outcome.skipped, []);
      },
    },
  ],
};
