package model

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// LockAccount takes the lock of one Cloudflare account, so that two
// jcaccess processes working under different team names never create a
// login method in the same account at once. It is a team lock (Lock) in the
// accounts folder of the state folder, with all its properties.
func (s Store) LockAccount(accountID string) (release func(), err error) {
	if accountID == "" || strings.ContainsAny(accountID, `/\.`) || strings.TrimSpace(accountID) != accountID {
		return nil, fmt.Errorf("lock: %q is not a Cloudflare account ID", accountID)
	}
	release, err = Store{Dir: filepath.Join(s.Dir, "accounts")}.Lock(accountID)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("%w: another jcaccess is working on Cloudflare account %s (under another team name?); wait for it to finish, then run again", ErrLocked, accountID)
	}
	return release, err
}
