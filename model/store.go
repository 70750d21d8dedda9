package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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

// MaxSessionSize bounds a session file's read. A real session is a few KiB;
// anything near this is not one jcaccess wrote.
const MaxSessionSize = 1 << 20

// Load is LoadContext without a deadline.
func (s Store) Load(team string) (*Session, error) {
	return s.LoadContext(context.Background(), team)
}

// LoadContext reads a team's session. A file that does not parse (or is far
// too large to be a session) is moved aside and reported with both paths,
// so nothing the admin did is lost and the next run can start again. A link,
// FIFO or device in its place is refused unread and left where it is: it is
// not something jcaccess wrote, so the admin should look at it.
func (s Store) LoadContext(ctx context.Context, team string) (*Session, error) {
	if err := checkTeamKey(team); err != nil {
		return nil, err
	}
	path := s.Path(team)
	b, err := readRegular(ctx, path, MaxSessionSize, false)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("%w for team %q in %s", ErrNoSession, team, s.Dir)
	case errors.Is(err, ErrTooLarge):
		return nil, s.keepAside(path, damagedError{errors.New("it is larger than 1 MiB")})
	case errors.Is(err, ErrNotRegular):
		return nil, fmt.Errorf("session: %w; remove it or move it away, then run again", err)
	case err != nil:
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
	// A metadata URL's password never reaches the disk, even if an input
	// slipped past the checks that refuse it.
	out := *sess
	out.Inputs.IdP.Metadata = Scrub(out.Inputs.IdP.Metadata)
	b, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	if err := WriteFileAtomic(s.Path(team), append(b, '\n')); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// ErrUnusableStateDir means the state folder exists but jcaccess will not
// keep sessions in it: it is not a folder, or others may write to it.
var ErrUnusableStateDir = errors.New("state folder refused")

// ensureDir creates the state folder, private, when it is missing. An
// existing folder is never changed (JCACCESS_STATE_DIR=/tmp must not take
// the sticky bit off /tmp), only checked.
func (s Store) ensureDir() error {
	if err := os.MkdirAll(filepath.Dir(s.Dir), 0o700); err != nil {
		return fmt.Errorf("state folder %s: %w; set JCACCESS_STATE_DIR to a folder you can write", s.Dir, err)
	}
	err := os.Mkdir(s.Dir, 0o700)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("state folder %s: %w; set JCACCESS_STATE_DIR to a folder you can write", s.Dir, err)
	}
	return s.CheckDir()
}

// CheckDir refuses an existing state folder that is not a folder or that
// others may write to: whoever can write there can replace a session, and
// a session decides which login method apply changes. A missing folder is
// fine; Save creates it.
func (s Store) CheckDir() error {
	fi, err := os.Stat(s.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("state folder %s: %w", s.Dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a folder; %s", ErrUnusableStateDir, s.Dir, useInstead)
	}
	if who := writableByOthers(fi); who != "" {
		return fmt.Errorf("%w: %s is writable by %s (mode %v), so they could replace the sessions kept there, and jcaccess does not change a folder it did not create; %s", ErrUnusableStateDir, s.Dir, who, fi.Mode(), useInstead)
	}
	return nil
}

const useInstead = "use a folder only you can write: the default ~/.local/state/jcaccess (unset JCACCESS_STATE_DIR), or set JCACCESS_STATE_DIR to a path that does not exist yet (jcaccess creates it, mode 0700)"

// WriteFileAtomic writes a private (0600) file so that a crash leaves the
// old file or the new one, never half of either: an exclusive temp file
// beside it, fsync, rename, fsync of the folder. Every file jcaccess keeps
// (sessions, reports, the sandbox's world) is written through it.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// List is ListContext without a deadline.
func (s Store) List() ([]*Session, []error) { return s.ListContext(context.Background()) }

// ListContext returns the saved sessions, sorted by team. Damaged files are
// returned as errors next to the good ones rather than hiding either.
func (s Store) ListContext(ctx context.Context) ([]*Session, []error) {
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
		sess, err := s.LoadContext(ctx, strings.TrimSuffix(name, ".json"))
		if ctx.Err() != nil {
			return out, append(errs, ctx.Err())
		}
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
