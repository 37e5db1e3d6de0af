// Custom search attributes, so operators can filter workflows in Temporal UI by tenant,
// connection, vendor and phase. Values are ids and enums only: search attributes are stored
// unencrypted, so no names, emails or tokens ever go here.
// Node-free on purpose: workflow code imports this file.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TenantId = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const ConnectionId = defineSearchAttributeKey('ConnectionId', SearchAttributeType.KEYWORD);
export const Provider = defineSearchAttributeKey('Provider', SearchAttributeType.KEYWORD);
export const SyncMode = defineSearchAttributeKey('SyncMode', SearchAttributeType.KEYWORD);
export const Stream = defineSearchAttributeKey('Stream', SearchAttributeType.KEYWORD);
export const SyncPhase = defineSearchAttributeKey('SyncPhase', SearchAttributeType.KEYWORD);
export const EndpointId = defineSearchAttributeKey('EndpointId', SearchAttributeType.KEYWORD);
export const EventType = defineSearchAttributeKey('EventType', SearchAttributeType.KEYWORD);
export const DeliveryStatus = defineSearchAttributeKey('DeliveryStatus', SearchAttributeType.KEYWORD);

export const allSearchAttributes = [
  TenantId,
  ConnectionId,
  Provider,
  SyncMode,
  Stream,
  SyncPhase,
  EndpointId,
  EventType,
  DeliveryStatus,
];

/** `Name=Type` as the `temporal server start-dev --search-attribute` flag wants it. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword',
    TEXT: 'Text',
    INT: 'Int',
    DOUBLE: 'Double',
    BOOL: 'Bool',
    DATETIME: 'Datetime',
    KEYWORD_LIST: 'KeywordList',
  };
  return allSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}
