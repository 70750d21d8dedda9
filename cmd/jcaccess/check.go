package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"jcaccess/steps"
)

func newCheckCmd(f *Factory) *cobra.Command {
	o := &setupOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Re-run every live check of a finished setup (for cron)",
		Long: `check re-runs every read-only check of a setup apply finished: the metadata certificate's
expiry, that the login method still matches, that the team domain and the SCIM endpoint
answer, and whether JumpCloud has connected over SCIM. Anything apply would still change is
an error. It exits 1 when a check fails, so cron can mail the output.`,
		Example: "  CLOUDFLARE_API_TOKEN=... jcaccess check --team acme",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReadOnly(cmd, f, o, steps.CheckAll, func(env *steps.Env, rep *steps.Report) {
				writeReport(f.IO.Out, env, rep)
				if rep.Findings().HasErrors() {
					fmt.Fprintln(f.IO.Out, "\nCheck: FAILED (see the errors above).")
				} else {
					fmt.Fprintln(f.IO.Out, "\nCheck: all passed.")
				}
			})
		},
	}
	o.addFlags(cmd)
	return cmd
}
