// The Temporal payload key of the test suite. Fixed (and so committed) on purpose: workflow
// histories recorded for the replay tests stay decodable on every later run. Test-only: no
// environment ever uses it.
export const TEST_PAYLOAD_KEYS = 'fixture1:dGVzdC1vbmx5LXBheWxvYWQta2V5LTMyLWJ5dGVzISE=';
