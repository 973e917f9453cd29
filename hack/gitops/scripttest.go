package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// healthTest is Argo CD's health_test.yaml format.
type healthTest struct {
	Tests []struct {
		HealthStatus Verdict `json:"healthStatus"`
		InputPath    string  `json:"inputPath"`
	} `json:"tests"`
}

// testScripts runs every health_test.yaml under dir against its health.lua, as Argo CD's
// own TestLuaHealthScript does for resource_customizations.
func testScripts(dir string) error {
	var failures, cases int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "health_test.yaml" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var ht healthTest
		if err := yaml.UnmarshalStrict(data, &ht); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(ht.Tests) == 0 {
			return fmt.Errorf("%s: no tests", path)
		}
		kindDir := filepath.Dir(path)
		script, err := os.ReadFile(filepath.Join(kindDir, "health.lua"))
		if err != nil {
			return err
		}
		for _, tc := range ht.Tests {
			cases++
			obj, err := readObject(filepath.Join(kindDir, tc.InputPath))
			if err != nil {
				return err
			}
			got, err := runHealthLua(string(script), obj.Object)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", path, tc.InputPath, err)
			}
			if got != tc.HealthStatus {
				failures++
				fmt.Printf("FAIL %s %s: got %+v, want %+v\n", kindDir, tc.InputPath, got, tc.HealthStatus)
			} else {
				fmt.Printf("ok   %s %s: %s\n", kindDir, tc.InputPath, got.Status)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cases == 0 {
		return fmt.Errorf("no health_test.yaml under %s", dir)
	}
	if failures > 0 {
		return fmt.Errorf("%d of %d health script cases failed", failures, cases)
	}
	return nil
}
