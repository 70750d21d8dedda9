package ui

import (
	"strings"

	"charm.land/huh/v2"

	"jcaccess/model"
	"jcaccess/steps"
)

// teamFields asks for the Zero Trust team name and, rarely, its domain.
type teamFields struct{ team, domain string }

func newTeamStep(c *Common) Component {
	return newStepBase(c, steps.Team, &teamFields{}, nil)
}

func (f *teamFields) form(in model.Inputs, _ Snapshot) *huh.Form {
	f.team, f.domain = in.Team, in.TeamDomain
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Team name").
			Description("e.g. acme, or acme.cloudflareaccess.com").
			Value(&f.team).
			Validate(func(s string) error { _, err := steps.NormalizeTeam(s); return err }),
		huh.NewInput().Title("Team domain (optional)").
			Description("only when it is not <team>.cloudflareaccess.com").
			Value(&f.domain).
			Validate(func(s string) error { return steps.CheckTeamDomain(strings.TrimSpace(s)) }),
	))
}

func (f *teamFields) read(in *model.Inputs) *model.Secret {
	in.Team = strings.TrimSpace(f.team)
	if t, err := steps.NormalizeTeam(f.team); err == nil {
		in.Team = t
	}
	in.TeamDomain = strings.TrimSpace(f.domain)
	return nil
}

func (f *teamFields) complete(in model.Inputs, _ Snapshot) bool { return in.Team != "" }

func (f *teamFields) summary(in model.Inputs, _ Snapshot) [][2]string {
	domain := in.Domain()
	if in.TeamDomain == "" {
		domain += " (default)"
	}
	return [][2]string{{"Team name", in.Team}, {"Team domain", domain}}
}
