// Command gitops-health judges Kubernetes objects the way Flux and Argo CD do.
//
//	gitops-health check --scripts DIR FILE...   one JSON line per object file:
//	    {"file", "kind", "name", "kstatus": {status, message}, "argocd": {status, message}}
//	gitops-health test-scripts DIR              run every health_test.yaml under DIR
//
// Object files hold one object as JSON or YAML (e.g. `kubectl get -o json`).
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gitops-health:", err)
		os.Exit(1)
	}
}

const usage = "usage: gitops-health check --scripts DIR FILE... | gitops-health test-scripts DIR"

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", usage)
	}
	switch args[0] {
	case "check":
		if len(args) < 4 || args[1] != "--scripts" {
			return fmt.Errorf("%s", usage)
		}
		return check(args[2], args[3:])
	case "test-scripts":
		if len(args) != 2 {
			return fmt.Errorf("%s", usage)
		}
		return testScripts(args[1])
	default:
		return fmt.Errorf("unknown command %q; %s", args[0], usage)
	}
}

// Verdict is what one tool says about one object.
type Verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

type checked struct {
	File    string  `json:"file"`
	Kind    string  `json:"kind"`
	Name    string  `json:"name"`
	Kstatus Verdict `json:"kstatus"`
	ArgoCD  Verdict `json:"argocd"`
}

func check(scriptsDir string, files []string) error {
	out := json.NewEncoder(os.Stdout)
	for _, file := range files {
		obj, err := readObject(file)
		if err != nil {
			return err
		}
		ks, err := kstatusOf(obj)
		if err != nil {
			return fmt.Errorf("%s: kstatus: %w", file, err)
		}
		argo, err := argoHealthOf(scriptsDir, obj)
		if err != nil {
			return fmt.Errorf("%s: argo cd health: %w", file, err)
		}
		if err := out.Encode(checked{
			File: file, Kind: obj.GetKind(), Name: obj.GetName(), Kstatus: ks, ArgoCD: argo,
		}); err != nil {
			return err
		}
	}
	return nil
}
