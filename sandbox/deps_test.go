package sandbox

import (
	"os/exec"
	"strings"
	"testing"
)

// The sandbox stands in for Cloudflare and JumpCloud, so it must not share
// code with the client it fakes (a wrong type would agree with itself), and
// it is linked into every jcaccess command, so it must not link the schema
// validator, whose package init alone costs milliseconds.
func TestSandboxLinksNeitherTheClientNorTheValidator(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool:", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "jcaccess/sandbox").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		own := strings.HasPrefix(pkg, "jcaccess/")
		allowed := pkg == "jcaccess/model" || pkg == "jcaccess/assets" ||
			(strings.HasPrefix(pkg, "jcaccess/sandbox") && !strings.HasSuffix(pkg, "/openapicheck"))
		if own && !allowed || strings.Contains(pkg, "kin-openapi") || strings.Contains(pkg, "santhosh-tekuri") {
			t.Errorf("the sandbox links %s", pkg)
		}
	}
}
