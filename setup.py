from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent
version: dict = {}
exec((ROOT / "pulumi_dms_tasks" / "_version.py").read_text(), version)

setup(
    name="pulumi-dms-tasks",
    version=version["__version__"],
    description="Wait on and read Huawei Cloud DMS background tasks from Pulumi programs",
    long_description=(ROOT / "README.md").read_text() if (ROOT / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["pulumi_dms_tasks", "pulumi_dms_tasks.*"]),
    # pulumi-plugin.json {"resource": false}: without it the language host would try to download
    # a provider plugin for this "pulumi-" distribution and `pulumi up` fails offline.
    package_data={"pulumi_dms_tasks": ["py.typed", "pulumi-plugin.json"]},
    include_package_data=True,
    install_requires=[
        "pulumi==3.259.0",
        "requests>=2.32,<3",
        "urllib3>=2.7,<3",  # Retry(retry_after_max=...) appeared in 2.7
        "pydantic>=2.7,<3",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "mypy>=1.10",
            "types-requests",
            "hypothesis>=6.100",
            "huaweicloudsdkcore==3.1.219",
            "huaweicloudsdkkafka==3.1.219",
        ],
    },
    entry_points={"console_scripts": ["dms-tasks = pulumi_dms_tasks._cli:main"]},
    classifiers=["Programming Language :: Python :: 3", "Typing :: Typed"],
)
