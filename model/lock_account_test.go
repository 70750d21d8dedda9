package model

import (
	"errors"
	"strings"
	"testing"
)

func TestAccountLockIsSharedByEveryTeamName(t *testing.T) {
	st := Store{Dir: t.TempDir()}
	const acct = "0123456789abcdef0123456789abcdef"
	release, err := st.LockAccount(acct)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LockAccount(acct); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "Cloudflare account "+acct) {
		t.Fatalf("second lock: %v", err)
	}
	// A team named like the account is another lock.
	if team, err := st.Lock(acct); err != nil {
		t.Fatalf("team lock: %v", err)
	} else {
		team()
	}
	if _, err := st.LockAccount("../x"); err == nil {
		t.Fatal("a path as account ID was accepted")
	}
	release()
	again, err := st.LockAccount(acct)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
