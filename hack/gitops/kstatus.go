package main

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

// readObject reads one object from a JSON or YAML file.
func readObject(file string) (*unstructured.Unstructured, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	// Through apimachinery's JSON decoding, so integers stay int64 as kstatus expects.
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return obj, nil
}

// kstatusOf is what Flux (kustomize-controller's health checks, `flux` CLI) computes.
func kstatusOf(obj *unstructured.Unstructured) (Verdict, error) {
	res, err := status.Compute(obj)
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Status: res.Status.String(), Message: res.Message}, nil
}
