package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"jcaccess/model"
	"jcaccess/steps"
)

type applyOptions struct {
	setupOptions
	Yes            bool
	SCIMSecretFile string
	Regenerate     bool
	SecretStdin    bool
}

func newApplyCmd(f *Factory) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Check, then make the Cloudflare changes, then verify them",
		Long: `apply runs the same checks as plan; if none failed it sends the planned requests, exactly as
plan shows them, saving progress after each, and then verifies the result. Running it again
on a finished setup changes nothing. A newly issued SCIM secret is printed once on stdout
(or written to --scim-secret-file, mode 0600) and stored nowhere else.`,
		Example: "  CLOUDFLARE_API_TOKEN=... jcaccess apply --config jcaccess.yaml --yes",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runApply(cmd, f, o)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "apply without asking (required when not on a terminal)")
	cmd.Flags().StringVar(&o.SCIMSecretFile, "scim-secret-file", "", "write a newly issued SCIM secret to this file (0600) instead of stdout")
	cmd.Flags().BoolVar(&o.Regenerate, "regenerate-scim-secret", false, "issue a new SCIM secret (JumpCloud must then be given it)")
	cmd.Flags().BoolVar(&o.SecretStdin, "scim-secret-stdin", false, "read a SCIM secret regenerated in the dashboard (Regenerate Secret) from stdin and verify it, instead of asking Cloudflare for one")
	return cmd
}

func runApply(cmd *cobra.Command, f *Factory, o *applyOptions) error {
	ctx := cmd.Context()
	if o.SCIMSecretFile != "" {
		if err := checkSecretFile(o.SCIMSecretFile); err != nil {
			return err
		}
	}
	env, store, err := f.env(ctx, &o.setupOptions, false)
	if err != nil {
		return err
	}
	env.RegenerateSCIMSecret = o.Regenerate
	if o.SecretStdin {
		secret, err := readSecret(f, "SCIM secret from the dashboard's Regenerate Secret (input hidden): ")
		if err != nil {
			return err
		}
		env.GiveSCIMSecret(secret)
	}
	progress := f.IO.ErrOut
	human := f.IO.Out
	if o.JSON {
		human = progress
	}
	// A failed save must not cost the admin the SCIM secret: Cloudflare
	// shows it once, and a session that could not be written is no reason
	// to throw it away. The first failure is kept for the closing message.
	var saveErr error
	save := func(s *model.Session) error {
		err := store.Save(s)
		if err != nil && saveErr == nil {
			saveErr = err
		}
		return err
	}
	// A plan that creates the JumpCloud application holds nothing of the
	// Cloudflare side, which needs that application's metadata: once it
	// exists, the rest is planned, shown and confirmed as a second round.
	var rep *steps.Report
	var applied []model.Change
	var applyErr error
	for round := 1; ; round++ {
		var err error
		if rep, err = steps.Plan(ctx, env, store.Save); err != nil {
			return err
		}
		rep.Applied = applied
		writeReport(human, env, rep)
		if rep.Findings().HasErrors() {
			what := "nothing was changed"
			if len(applied) > 0 {
				what = "nothing more was changed (what was done is saved)"
			}
			fmt.Fprintf(human, "\nApply: %s; fix the errors above and run again.\n", what)
			if o.JSON {
				writeJSON(f.IO.Out, newRunJSON(env, rep))
			}
			return errFailed
		}
		changes := rep.Changes()
		writeChanges(human, changes)
		if round > 1 && steps.CreatesJumpCloudApp(changes) {
			// The first round created it; not finding it now means the
			// created object does not look like this setup's (how JumpCloud
			// builds an app from the connector is undocumented): a second
			// create would only make a duplicate.
			fmt.Fprintf(progress, "\napply stopped: JumpCloud does not show the application this apply created (%s) as this setup's; nothing more was sent. Look at it in the console (SSO Applications), fix or delete it, and run apply again.\n", shown(env.JumpCloudAppID()))
			return errFailed
		}
		if err := confirmChanges(ctx, f, o, changes, len(applied) > 0); err != nil {
			return err
		}
		applyErr = steps.Apply(ctx, env, rep, save)
		for _, ch := range rep.Applied[len(applied):] {
			fmt.Fprintf(progress, "done: %s\n", shown(ch.Summary))
		}
		applied = rep.Applied
		if applyErr != nil || round > 1 || !steps.CreatesJumpCloudApp(changes) {
			break
		}
		fmt.Fprintln(human, "\nThe JumpCloud application exists now; what is left, planned from it:")
	}
	if applyErr == nil {
		// Verify's only error is a failed save, which saveErr already holds.
		_ = steps.Verify(ctx, env, rep, save)
		if !o.JSON {
			fmt.Fprintln(human, "\nAfter apply:")
			after := &steps.Report{}
			for _, id := range steps.VerifySteps(rep) {
				after.Steps = append(after.Steps, *rep.Step(id))
			}
			writeReport(human, env, after)
		}
	}
	switch {
	case saveErr != nil:
		fmt.Fprintf(progress, "\nThe session could not be saved: %s\n%s", shownErr(saveErr), unsavedAdvice(rep))
	case applyErr != nil:
		fmt.Fprintf(progress, "\napply stopped: %s\nWhat was done is saved; run apply again to finish.\n", shownErr(applyErr))
	}
	// The secret comes last, where the admin's eye lands, and whatever
	// happened before it.
	out := newRunJSON(env, rep)
	if saveErr != nil || applyErr != nil {
		out.OK = false
	}
	if !env.SCIMSecret.IsZero() && !env.SCIMSecretGiven {
		deliverSecret(f, o, &out, env.SCIMSecret.Reveal())
	}
	if o.JSON {
		if err := writeJSON(f.IO.Out, out); err != nil {
			return err
		}
	}
	switch {
	case saveErr != nil:
		return errFailed
	case applyErr != nil && ctx.Err() != nil:
		return errCancelled
	case applyErr != nil, rep.Findings().HasErrors():
		return errFailed
	}
	return nil
}

// confirmChanges asks before changes are made, unless --yes; without a
// terminal to ask on, it is a usage error that names --yes. more says an
// earlier round of this apply made changes already.
func confirmChanges(ctx context.Context, f *Factory, o *applyOptions, changes []model.Change, more bool) error {
	if len(changes) == 0 || o.Yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return usagef("apply would make %d change(s); pass --yes to make them (there is no terminal to ask)", len(changes))
	}
	ok, err := f.IO.Confirm(ctx, fmt.Sprintf("Make these %d change(s)?", len(changes)))
	if err != nil {
		return err
	}
	if !ok {
		if more {
			fmt.Fprintln(f.IO.ErrOut, "Nothing more was changed; what was done is saved, and apply again finishes it.")
		} else {
			fmt.Fprintln(f.IO.ErrOut, "Nothing was changed.")
		}
		return errFailed
	}
	return nil
}

// readSecret reads one line from stdin: hidden on a terminal, else piped.
func readSecret(f *Factory, prompt string) (model.Secret, error) {
	var line string
	if fh, ok := f.IO.In.(*os.File); ok && f.IO.InTTY {
		var err error
		if line, err = readHidden(fh, f.IO.ErrOut, prompt); err != nil {
			return model.Secret{}, err
		}
	} else {
		var err error
		line, err = bufio.NewReader(io.LimitReader(f.IO.In, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return model.Secret{}, fmt.Errorf("--scim-secret-stdin: reading stdin: %w", err)
		}
	}
	if line = strings.TrimSpace(line); line == "" {
		return model.Secret{}, usagef("--scim-secret-stdin: stdin held no secret; pipe in the SCIM Secret from Zero Trust > Integrations > Identity providers > <name> > Edit > Regenerate Secret")
	}
	return model.NewSecret(line), nil
}

// unsavedAdvice says what a failed save means for the next run. Changes
// already made are found again by name and SSO URL, so the next apply adopts
// them rather than making them twice.
func unsavedAdvice(rep *steps.Report) string {
	fix := "Free some space or make the state folder writable (or set JCACCESS_STATE_DIR), then run apply again"
	if len(rep.Applied) == 0 {
		return "Nothing was changed in Cloudflare. " + fix + ".\n"
	}
	return fmt.Sprintf("Cloudflare has the %d change(s) listed above as done, but the saved session does not record them. %s: it finds the login method in the account by name and carries on from there instead of creating another.\n", len(rep.Applied), fix)
}

// checkSecretFile refuses, before any change is sent, a --scim-secret-file
// that could not be written: the secret would otherwise only be known once
// Cloudflare has issued it.
func checkSecretFile(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return usagef("--scim-secret-file %s already exists; give a new path (jcaccess will not overwrite it)", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return usagef("--scim-secret-file %s: the folder %s does not exist; create it first (mkdir -m 700) or give a path in an existing folder", path, dir)
	}
	// Trying is the only portable answer to "may I create a file here"
	// (mode bits say nothing of ACLs, read-only mounts or root).
	probe, err := os.CreateTemp(dir, ".jcaccess-probe-*")
	if err != nil {
		return usagef("--scim-secret-file %s: cannot create a file in %s (%v); give a path in a folder you can write", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// deliverSecret hands a newly issued SCIM secret over exactly once. It
// cannot fail: when the file cannot be written the secret goes to stdout.
func deliverSecret(f *Factory, o *applyOptions, out *runJSON, secret string) {
	if o.SCIMSecretFile != "" {
		fh, err := os.OpenFile(o.SCIMSecretFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			// The secret exists only in memory now: print it rather than lose it.
			fmt.Fprintf(f.IO.ErrOut, "could not write --scim-secret-file (%s); the secret follows on stdout instead\n", shownErr(err))
		} else {
			_, werr := fmt.Fprintln(fh, secret)
			if cerr := fh.Close(); werr == nil {
				werr = cerr
			}
			if werr == nil {
				fmt.Fprintf(f.IO.ErrOut, "SCIM secret written to %s (0600); paste it into JumpCloud's Token Key, then delete the file\n", shown(o.SCIMSecretFile))
				return
			}
			fmt.Fprintf(f.IO.ErrOut, "could not write --scim-secret-file (%s); the secret follows on stdout instead\n", shownErr(werr))
		}
	}
	if o.JSON {
		out.SCIMSecret = secret
		return
	}
	// Cloudflare's secret is printable; were it not, the admin sees escapes
	// rather than a terminal driven by it (--json and the file get it exact).
	fmt.Fprintf(f.IO.Out, "\nSCIM secret (shown once; paste it into JumpCloud > the app > Identity Management > Token Key):\n%s\n", shown(secret))
}
