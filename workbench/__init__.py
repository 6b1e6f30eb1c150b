"""workbench: one autodiff core, three front ends (eager, static, functional)."""

__version__ = "0.1.0"
