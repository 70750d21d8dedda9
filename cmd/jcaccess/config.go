package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"jcaccess/model"
	"jcaccess/steps"
)

// maxConfigSize keeps a wrong path (a log, a binary) from being read whole.
const maxConfigSize = 1 << 20

// loadConfig reads a YAML config over the defaults. Unknown keys and wrong
// types are errors that name the line, so a typo cannot silently become a
// default. A relative metadata path is taken from the config's folder.
func loadConfig(path string) (model.Inputs, error) {
	in := model.DefaultInputs()
	fh, err := os.Open(path)
	if err != nil {
		return in, usagef("config %s: %v", path, errors.Unwrap(err))
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return in, usagef("config %s: %v", path, err)
	}
	if len(b) > maxConfigSize {
		return in, usagef("config %s: larger than 1 MiB; is it the right file?", path)
	}
	if err := decodeConfig(b, &in); err != nil {
		return in, usagef("config %s: %v", path, err)
	}
	if err := checkConfigValues(in); err != nil {
		return in, usagef("config %s: %v", path, err)
	}
	if m := in.IdP.Metadata; m != "" && !isURL(m) && !filepath.IsAbs(m) {
		in.IdP.Metadata = filepath.Join(filepath.Dir(path), m)
	}
	return in, nil
}

func decodeConfig(b []byte, in *model.Inputs) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(in); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file means all defaults
		}
		return fmt.Errorf("%s (keys: team, team_domain, account_id, idp: {name, metadata, attributes, email_attribute_name, sign_request, header_attributes}, scim: {enabled, user_deprovision, seat_deprovision, identity_update_behavior})", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// checkConfigValues checks the file as written, before the environment and
// the flags are laid over it: a bad value hidden by CLOUDFLARE_ACCOUNT_ID
// today would be used by the next run that lacks the variable. Each check's
// message names its key.
func checkConfigValues(in model.Inputs) error {
	if in.Team != "" {
		if _, err := steps.NormalizeTeam(in.Team); err != nil {
			return err
		}
	}
	if err := steps.CheckTeamDomain(in.TeamDomain); err != nil {
		return err
	}
	if err := steps.CheckAccountID(in.AccountID); err != nil {
		return err
	}
	return checkMetadataSource(in.IdP.Metadata)
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
