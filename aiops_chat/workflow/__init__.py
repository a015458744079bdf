"""The TaskFlow deployment workflow (plan 009, phases 1, 3 and 5): doctor, cluster up, deploy, validate.

Each step is a function over an :class:`~aiops_chat.execution.Executor`, so every kubectl, helm and
minikube action passes the policy and lands in the audit log; the CLI module only builds the executor,
picks the approver and prints. Results are :class:`~aiops_chat.workflow.checklist.Checklist` objects,
rendered as a table or JSON.
"""
