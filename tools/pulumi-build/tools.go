//go:build tools

// Package tools pins the Pulumi CLI so that scripts/install-pulumi.sh can build it from this
// module's go.mod/go.sum.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
