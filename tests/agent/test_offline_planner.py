"""The offline planner reads the requests people type into exact commands (table-driven)."""

from __future__ import annotations

import pytest

from aiops_chat.agent.offline import looks_like_write, plan_request
from aiops_chat.analysis.sources.kubectl_reads import NAMESPACED

# What analyze_cluster lists: every kind the analyzers read, in one kubectl call.
ANALYZE = f"kubectl get {','.join(NAMESPACED)} -o json"

CASES: list[tuple[str, list[str], bool]] = [
    ("scale taskflow-backend to 2 replicas", ["kubectl scale deployment/taskflow-backend --replicas=2"], False),
    ("Scale deployment web to 0", ["kubectl scale deployment/web --replicas=0"], False),
    ("scale the statefulset db to 3 in namespace data", ["kubectl scale statefulset/db --replicas=3 -n data"], False),
    ("please run 4 replicas of api", ["kubectl scale deployment/api --replicas=4"], False),
    ("show logs for taskflow-backend", ["kubectl logs deployment/taskflow-backend --tail=200"], True),
    ("logs of pod web-5d4f8b7c9-x2x7z container app last 50 previous",
     ["kubectl logs web-5d4f8b7c9-x2x7z --tail=50 -c app --previous"], True),
    ("tail 20 lines of the api logs in shop namespace", ["kubectl logs deployment/api --tail=20 -n shop"], True),
    ("restart taskflow-frontend", ["kubectl rollout restart deployment/taskflow-frontend"], False),
    ("rollback web to revision 2", ["kubectl rollout undo deployment/web --to-revision=2"], False),
    ("roll back the api deployment", ["kubectl rollout undo deployment/api"], False),
    ("rollout status of web", ["kubectl rollout status deployment/web --timeout=60s"], True),
    ("rollout history of web", ["kubectl rollout history deployment/web"], True),
    ("update image of web to nginx:1.25", ["kubectl set image deployment/web *=nginx:1.25"], False),
    ("set image container app of deployment/api to registry.io/team/api:2.0",
     ["kubectl set image deployment/api app=registry.io/team/api:2.0"], False),
    ("list pods in all namespaces", ["kubectl get pods -A"], True),
    ("get pods in namespace shop", ["kubectl get pods -n shop"], True),
    ("kubectl get pods -n kube-system", ["kubectl get pods -n kube-system"], True),
    ("what pods are in the kube-system namespace", ["kubectl get pods -n kube-system"], True),
    ("show services", ["kubectl get services"], True),
    ("get deploy web -o yaml", ["kubectl get deployments web -o yaml"], True),
    ("how many nodes", ["kubectl get nodes"], True),
    ("describe pod web-0", ["kubectl describe pods web-0"], True),
    ("describe deployment api", ["kubectl describe deployments api"], True),
    ("events", ["kubectl get events --sort-by=.lastTimestamp"], True),
    ("show events for web in shop namespace",
     ["kubectl get events --sort-by=.lastTimestamp --field-selector involvedObject.name=web -n shop"], True),
    ("top pods", ["kubectl top pods"], True),
    ("cpu usage of nodes", ["kubectl top nodes"], True),
    ("helm list", ["helm list"], True),
    ("list helm releases in all namespaces", ["helm list -A"], True),
    ("helm history taskflow-backend", ["helm history taskflow-backend --max 10"], True),
    ("helm status web", ["helm status web"], True),
    ("uninstall release web", ["helm uninstall web"], False),
    ("rollback helm release web to revision 3", ["helm rollback web 3"], False),
    ("why is pod web-5d4f8b7c9-x2x7z not ready",
     [ANALYZE, "kubectl describe pods web-5d4f8b7c9-x2x7z",
      "kubectl get events --sort-by=.lastTimestamp --field-selector involvedObject.name=web-5d4f8b7c9-x2x7z"], True),
    ("why is taskflow-backend crashing?",
     [ANALYZE, "kubectl describe deployments taskflow-backend",
      "kubectl get events --sort-by=.lastTimestamp --field-selector involvedObject.name=taskflow-backend"], True),
    ("what is broken", [ANALYZE], True),
    ("what's wrong in the cluster", [ANALYZE + " -A"], True),
]


@pytest.mark.parametrize(("text", "commands", "read_only"), CASES, ids=[c[0] for c in CASES])
def test_plans(text: str, commands: list[str], read_only: bool) -> None:
    plan = plan_request(text)
    assert plan is not None
    assert [" ".join(step.argv) for step in plan.steps] == commands
    assert plan.read_only is read_only


@pytest.mark.parametrize("text", ["hello there", "delete namespace prod", "write me a poem", "scale it up",
                                  "delete all the failed pods", "drain node worker-1", "exec into web-0"])
def test_not_understood(text: str) -> None:
    assert plan_request(text) is None


def test_write_words() -> None:
    assert looks_like_write("please delete the old pods")
    assert looks_like_write("can you patch the service")
    assert not looks_like_write("which pods use the most memory?")
