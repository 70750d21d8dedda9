package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrNoSession means no session is saved for the team.
var ErrNoSession = errors.New("no saved session")

// Store keeps one session file per team in a private folder.
type Store struct{ Dir string }

// DefaultStateDir is $JCACCESS_STATE_DIR, else $XDG_STATE_HOME/jcaccess,
// else ~/.local/state/jcaccess.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("JCACCESS_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "jcaccess"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("state folder: no home folder (%v); set JCACCESS_STATE_DIR", err)
	}
	return filepath.Join(home, ".local", "state", "jcaccess"), nil
}

// Path is the session file of a team. Team names are DNS labels, so they are
// safe as file names; anything else is rejected by Load and Save.
func (s Store) Path(team string) string { return filepath.Join(s.Dir, team+".json") }

func checkTeamKey(team string) error {
	if team == "" || strings.ContainsAny(team, `/\.`) || strings.TrimSpace(team) != team {
		return fmt.Errorf("session: %q is not a team name", team)
	}
	return nil
}

// Load reads a team's session. A file that does not parse is reported with
// its path and left untouched, so nothing the admin did is lost.
func (s Store) Load(team string) (*Session, error) {
	if err := checkTeamKey(team); err != nil {
		return nil, err
	}
	path := s.Path(team)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w for team %q in %s", ErrNoSession, team, s.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("session: read %s: %w", path, err)
	}
	sess, err := decodeSession(b)
	var damaged damagedError
	if errors.As(err, &damaged) {
		return nil, s.keepAside(path, damaged)
	}
	if err != nil {
		return nil, fmt.Errorf("session: %s %w", path, err)
	}
	return sess, nil
}

// damagedError is a session file that does not decode.
type damagedError struct{ err error }

func (e damagedError) Error() string { return "is damaged: " + e.err.Error() }

// keepAside renames a damaged session out of the way, so the next run can
// start again while nothing the admin had is lost.
func (s Store) keepAside(path string, damaged damagedError) error {
	backup := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, backup); err != nil {
		return fmt.Errorf("session: %s %v, and could not be kept aside (%v); move it away by hand", path, damaged.err, err)
	}
	return fmt.Errorf("session: %s %v; it was kept as %s and the next run starts a new session for this team (delete the copy once you no longer need it)", path, damaged.err, backup)
}

// decodeSession parses a session file. It refuses a newer schema rather
// than guess at it.
func decodeSession(b []byte) (*Session, error) {
	var probe struct {
		SchemaVersion int `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, damagedError{err}
	}
	if probe.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("was written by a newer jcaccess (schema %d, this build reads up to %d); upgrade jcaccess", probe.SchemaVersion, SchemaVersion)
	}
	if probe.SchemaVersion < 1 {
		return nil, damagedError{fmt.Errorf("schema_version %d", probe.SchemaVersion)}
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return nil, damagedError{err}
	}
	if err := checkTeamKey(sess.Inputs.Team); err != nil {
		return nil, damagedError{err}
	}
	if sess.Steps == nil {
		sess.Steps = map[string]StepState{}
	}
	return &sess, nil
}

// Save writes the session atomically: a crash leaves either the old file or
// the new one, never half of each.
func (s Store) Save(sess *Session) error {
	team := sess.Inputs.Team
	if err := checkTeamKey(team); err != nil {
		return err
	}
	if err := s.ensureDir(); err != nil {
		return err
	}
	sess.SchemaVersion = SchemaVersion
	b, err := json.MarshalIndent(sess, "", "  ")
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	return writeFileAtomic(s.Path(team), append(b, '\n'))
}

func (s Store) ensureDir() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("state folder %s: %w; set JCACCESS_STATE_DIR to a folder you can write", s.Dir, err)
	}
	fi, err := os.Stat(s.Dir)
	if err != nil {
		return fmt.Errorf("state folder %s: %w", s.Dir, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// Sessions name the account and IdP; keep them private to the admin.
		if err := os.Chmod(s.Dir, 0o700); err != nil {
			return fmt.Errorf("state folder %s is readable by others and could not be tightened: %w", s.Dir, err)
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("session: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("session: write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("session: sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// List returns the saved sessions, sorted by team. Damaged files are
// returned as errors next to the good ones rather than hiding either.
func (s Store) List() ([]*Session, []error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("state folder %s: %w", s.Dir, err)}
	}
	var out []*Session
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		sess, err := s.Load(strings.TrimSuffix(name, ".json"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, sess)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inputs.Team < out[j].Inputs.Team })
	return out, errs
}

// Remove deletes a team's session.
func (s Store) Remove(team string) error {
	if err := checkTeamKey(team); err != nil {
		return err
	}
	err := os.Remove(s.Path(team))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w for team %q in %s", ErrNoSession, team, s.Dir)
	}
	return err
}
