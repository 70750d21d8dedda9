package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"jcaccess/steps"
)

type applyOptions struct {
	setupOptions
	Yes            bool
	SCIMSecretFile string
	Regenerate     bool
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
	return cmd
}

func runApply(cmd *cobra.Command, f *Factory, o *applyOptions) error {
	ctx := cmd.Context()
	if o.SCIMSecretFile != "" {
		if _, err := os.Stat(o.SCIMSecretFile); err == nil {
			return usagef("--scim-secret-file %s already exists; give a new path (jcaccess will not overwrite it)", o.SCIMSecretFile)
		}
	}
	env, store, err := f.env(ctx, &o.setupOptions, false)
	if err != nil {
		return err
	}
	env.RegenerateSCIMSecret = o.Regenerate
	progress := f.IO.ErrOut
	rep, err := steps.Plan(ctx, env, store.Save)
	if err != nil {
		return err
	}
	human := f.IO.Out
	if o.JSON {
		human = progress
	}
	writeReport(human, env, rep)
	if rep.Findings().HasErrors() {
		fmt.Fprintln(human, "\nApply: nothing was changed; fix the errors above and run again.")
		if o.JSON {
			writeJSON(f.IO.Out, newRunJSON(env, rep))
		}
		return errFailed
	}
	changes := rep.Changes()
	writeChanges(human, changes)
	if len(changes) > 0 && !o.Yes {
		if !f.IO.CanPrompt() {
			return usagef("apply would make %d change(s); pass --yes to make them (there is no terminal to ask)", len(changes))
		}
		ok, err := f.IO.Confirm(ctx, fmt.Sprintf("Make these %d change(s)?", len(changes)))
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(progress, "Nothing was changed.")
			return errFailed
		}
	}
	applyErr := steps.Apply(ctx, env, rep, store.Save)
	for _, ch := range rep.Applied {
		fmt.Fprintf(progress, "done: %s\n", ch.Summary)
	}
	if applyErr != nil {
		fmt.Fprintf(progress, "\napply stopped: %v\nWhat was done is saved; run apply again to finish.\n", applyErr)
		if ctx.Err() != nil {
			return errCancelled
		}
		return errFailed
	}
	if err := steps.Verify(ctx, env, rep, store.Save); err != nil {
		return err
	}
	if !o.JSON {
		fmt.Fprintln(human, "\nAfter apply:")
		after := &steps.Report{}
		for _, id := range steps.VerifySteps() {
			after.Steps = append(after.Steps, *rep.Step(id))
		}
		writeReport(human, env, after)
	}
	// The secret comes last, where the admin's eye lands.
	out := newRunJSON(env, rep)
	if !env.SCIMSecret.IsZero() {
		if err := deliverSecret(f, o, &out, env.SCIMSecret.Reveal()); err != nil {
			return err
		}
	}
	if o.JSON {
		if err := writeJSON(f.IO.Out, out); err != nil {
			return err
		}
	}
	if rep.Findings().HasErrors() {
		return errFailed
	}
	return nil
}

// deliverSecret hands a newly issued SCIM secret over exactly once.
func deliverSecret(f *Factory, o *applyOptions, out *runJSON, secret string) error {
	if o.SCIMSecretFile != "" {
		fh, err := os.OpenFile(o.SCIMSecretFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			// The secret exists only in memory now: print it rather than lose it.
			fmt.Fprintf(f.IO.ErrOut, "could not write --scim-secret-file (%v); the secret follows on stdout instead\n", err)
		} else {
			_, werr := fmt.Fprintln(fh, secret)
			if cerr := fh.Close(); werr == nil {
				werr = cerr
			}
			if werr == nil {
				fmt.Fprintf(f.IO.ErrOut, "SCIM secret written to %s (0600); paste it into JumpCloud's Token Key, then delete the file\n", o.SCIMSecretFile)
				return nil
			}
			fmt.Fprintf(f.IO.ErrOut, "could not write --scim-secret-file (%v); the secret follows on stdout instead\n", werr)
		}
	}
	if o.JSON {
		out.SCIMSecret = secret
		return nil
	}
	fmt.Fprintf(f.IO.Out, "\nSCIM secret (shown once; paste it into JumpCloud > the app > Identity Management > Token Key):\n%s\n", secret)
	return nil
}
