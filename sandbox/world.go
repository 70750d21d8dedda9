package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jcaccess/model"
)

// worldVersion is the format of world.json.
const worldVersion = 1

// world is what the sandbox keeps between runs. It is the fake services'
// own database: it holds the sandbox's fake tokens and SCIM secrets, as
// Cloudflare's database holds the real ones, and lives in its own folder,
// apart from jcaccess's sessions (which never hold a secret).
type world struct {
	Version        int             `json:"version"`
	CACert         string          `json:"ca_cert"`
	CAKey          string          `json:"ca_key"`
	CloudflareAddr string          `json:"cloudflare_addr"`
	JumpCloudAddr  string          `json:"jumpcloud_addr"`
	Token          string          `json:"token"`
	ReadOnlyToken  string          `json:"read_only_token"`
	Cloudflare     json.RawMessage `json:"cloudflare,omitempty"`
	JumpCloud      json.RawMessage `json:"jumpcloud,omitempty"`
}

func worldPath(dir string) string { return filepath.Join(dir, "world.json") }

func loadWorld(opts Options) (*world, error) {
	if opts.Dir == "" {
		return nil, errors.New("sandbox: no folder for the world (set JCACCESS_SANDBOX_DIR)")
	}
	if opts.Fresh {
		return &world{Version: worldVersion}, nil
	}
	b, err := os.ReadFile(worldPath(opts.Dir))
	if errors.Is(err, os.ErrNotExist) {
		return &world{Version: worldVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	var w world
	if err := json.Unmarshal(b, &w); err != nil || w.Version != worldVersion {
		return nil, fmt.Errorf("sandbox: %s is damaged or from another version; start a new world with --fresh", worldPath(opts.Dir))
	}
	return &w, nil
}

// authority is the world's CA, or a new one when the saved one is about to
// expire or predates the name constraints (nothing else depends on it:
// ca.pem is written again at every start).
func (w *world) authority(now time.Time) (*authority, error) {
	if w.CACert != "" {
		a, err := loadAuthority([]byte(w.CACert), []byte(w.CAKey))
		if err != nil || a.usable(now) {
			return a, err
		}
	}
	return newAuthority(now)
}

// Save writes the world atomically.
func (sb *Sandbox) Save() error {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	cf, err := sb.Cloudflare.Snapshot()
	if err != nil {
		return err
	}
	jc, err := sb.JumpCloud.Snapshot()
	if err != nil {
		return err
	}
	w := world{
		Version: worldVersion, CACert: string(sb.ca.certPEM), CAKey: string(sb.ca.keyPEM),
		CloudflareAddr: sb.TeamDomain, JumpCloudAddr: strings.TrimPrefix(sb.JumpCloud.BaseURL(), "https://"),
		Token: sb.Token, ReadOnlyToken: sb.ReadOnlyToken, Cloudflare: cf, JumpCloud: jc,
	}
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(sb.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	if err := model.WriteFileAtomic(worldPath(sb.opts.Dir), b); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	return nil
}

func replaceHost(s, from, to string) string { return strings.ReplaceAll(s, "://"+from, "://"+to) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
