package model

import (
	"fmt"
	"path/filepath"
)

// LockAccount takes the lock of one Cloudflare account, so that two
// jcaccess processes working under different team names never create a
// login method in the same account at once. It is a team lock (Lock) in the
// accounts folder of the state folder, with all its properties.
func (s Store) LockAccount(accountID string) (release func(), err error) {
	if checkTeamKey(accountID) != nil {
		return nil, fmt.Errorf("lock: %q is not a Cloudflare account ID", accountID)
	}
	return Store{Dir: filepath.Join(s.Dir, "accounts")}.lockIn(accountID, fmt.Sprintf("Cloudflare account %s (under another team name?)", accountID))
}
