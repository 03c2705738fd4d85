import { runContractSuite } from '../support/contract-suite';
import { makeConnection } from '../support/connections';
import { createFakeApi } from '../support/fake-api';

// The fake runs the same contract suite as every real transport, so tests built on it mean something.
runContractSuite('fake', async () => {
  const { api, control } = createFakeApi();
  let nextPort = 41000;
  return {
    api,
    openListener: async () => {
      const port = nextPort++;
      const row = makeConnection({ localPort: port });
      // Emit after the caller has subscribed (the real collector emits on its next poll).
      setTimeout(() => control.add([row]), 5);
      return {
        port,
        close: async () => {
          setTimeout(() => control.change([{ ...row, change: 'closed' }]), 5);
        },
      };
    },
    dispose: async () => undefined,
  };
});
