package model

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeSession: a session file of any content is either decoded into a
// session that survives a save/load round trip, or refused; never a panic.
func FuzzDecodeSession(f *testing.F) {
	good, _ := json.Marshal(newTestSession("acme"))
	f.Add(good)
	f.Add([]byte(`{"schema_version": 1, "inputs": {`))
	f.Add([]byte(`{"schema_version": 99}`))
	f.Add([]byte(`{"schema_version": 1, "inputs": {"team": "acme"}, "steps": {"team": {"status": "verified"}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sess, err := decodeSession(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(sess)
		if err != nil {
			t.Fatalf("a decoded session does not encode: %v", err)
		}
		back, err := decodeSession(again)
		if err != nil {
			t.Fatalf("a saved session does not load: %v\n%s", err, again)
		}
		if back.Inputs.Team != sess.Inputs.Team || back.IdPID != sess.IdPID {
			t.Fatal("round trip changed the session")
		}
	})
}
