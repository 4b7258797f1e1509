"""What the language host hands a program: project, stack, organization, directories, Python, config."""

import os
import sys

import pulumi

config = pulumi.Config("test")
pulumi.export("project", pulumi.get_project())
pulumi.export("stack", pulumi.get_stack())
pulumi.export("organization", pulumi.get_organization())
pulumi.export("root_directory", pulumi.get_root_directory())
pulumi.export("cwd", os.getcwd())
pulumi.export("python", sys.executable)
pulumi.export("virtual_env", os.environ.get("VIRTUAL_ENV"))
pulumi.export("dry_run", pulumi.runtime.is_dry_run())
pulumi.export("plain", config.get("plain"))
pulumi.export("hidden", config.get_secret("hidden"))
pulumi.export("argv0", os.path.basename(sys.argv[0]))
print("printed by the program")
