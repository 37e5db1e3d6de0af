// Every connector and its default mapping. A new vendor is a folder and a line here: the API's
// connect routes, the outbound schedules, renewal outreach, the journal and the demo all read
// what a connector declares (its category, connect form, crm/accounting capabilities, demo)
// from this list, in this order (the key-connection request documents its vendors in it).
import { ams360Mappings } from '../mappings/ams360.ts';
import { appliedEpicMappings } from '../mappings/applied-epic.ts';
import type { StreamMappingInput } from '../mappings/engine.ts';
import { ezlynxMappings } from '../mappings/ezlynx.ts';
import { hawksoftMappings } from '../mappings/hawksoft.ts';
import { hubspotMappings } from '../mappings/hubspot.ts';
import { quickbooksMappings } from '../mappings/quickbooks.ts';
import { salesforceMappings } from '../mappings/salesforce.ts';
import { xeroMappings } from '../mappings/xero.ts';
import { ams360Connector } from './ams360/index.ts';
import { appliedEpicConnector } from './applied-epic/index.ts';
import { ezlynxConnector } from './ezlynx/index.ts';
import { hawksoftConnector } from './hawksoft/index.ts';
import { hubspotConnector } from './hubspot/index.ts';
import { quickbooksConnector } from './quickbooks/index.ts';
import { salesforceConnector } from './salesforce/index.ts';
import type { Connector, ProviderId } from './types.ts';
import { xeroConnector } from './xero/index.ts';

export interface RegisteredConnector {
  connector: Connector;
  mappings: Record<string, StreamMappingInput>;
  /** Path of this vendor's sandbox under the sandbox server. */
  sandboxPrefix: string;
}

export const registry: Partial<Record<ProviderId, RegisteredConnector>> = {
  hubspot: { connector: hubspotConnector, mappings: hubspotMappings, sandboxPrefix: '/hubspot' },
  salesforce: { connector: salesforceConnector, mappings: salesforceMappings, sandboxPrefix: '/salesforce' },
  'applied-epic': {
    connector: appliedEpicConnector,
    mappings: appliedEpicMappings,
    sandboxPrefix: '/applied-epic',
  },
  ezlynx: { connector: ezlynxConnector, mappings: ezlynxMappings, sandboxPrefix: '/ezlynx' },
  hawksoft: { connector: hawksoftConnector, mappings: hawksoftMappings, sandboxPrefix: '/hawksoft' },
  ams360: { connector: ams360Connector, mappings: ams360Mappings, sandboxPrefix: '/ams360' },
  quickbooks: { connector: quickbooksConnector, mappings: quickbooksMappings, sandboxPrefix: '/quickbooks' },
  xero: { connector: xeroConnector, mappings: xeroMappings, sandboxPrefix: '/xero' },
};

export function registered(provider: string): RegisteredConnector {
  const entry = registry[provider as ProviderId];
  if (!entry) throw new Error(`no connector for provider "${provider}"`);
  return entry;
}
