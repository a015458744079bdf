"""helm 3.18's flags, per command the policy understands, in grammar.FlagTable notation.

Taken from `helm <command> --help` (tests/policy/help_flags.py prints an entry; test_flag_tables.py checks
these against an installed helm). "" holds the global flags. `--dry-run` of install/upgrade/template takes
an optional value (bare means "client"); rollback's and uninstall's are booleans.
"""

from __future__ import annotations

HELM_FLAGS: dict[str, str] = {
    "": "burst-limit= debug h|help kube-apiserver= kube-as-group= kube-as-user= kube-ca-file= kube-context= kube-insecure-skip-tls-verify kube-tls-server-name= kube-token= kubeconfig= n|namespace= qps= registry-config= repository-cache= repository-config=",
    "list": "A|all-namespaces a|all deployed d|date failed f|filter= l|selector= m|max= no-headers offset= o|output= pending q|short r|reverse superseded time-format= uninstalled uninstalling",
    "status": "o|output= revision= show-desc show-resources",
    "history": "max= o|output=",
    "get all": "revision= template=",
    "get hooks": "revision=",
    "get manifest": "revision=",
    "get notes": "revision=",
    "get values": "a|all o|output= revision=",
    "get metadata": "o|output= revision=",
    "show all": "ca-file= cert-file= devel insecure-skip-tls-verify key-file= keyring= pass-credentials password= plain-http repo= username= verify version=",
    "show chart": "ca-file= cert-file= devel insecure-skip-tls-verify key-file= keyring= pass-credentials password= plain-http repo= username= verify version=",
    "show readme": "ca-file= cert-file= devel insecure-skip-tls-verify key-file= keyring= pass-credentials password= plain-http repo= username= verify version=",
    "show values": "ca-file= cert-file= devel insecure-skip-tls-verify jsonpath= key-file= keyring= pass-credentials password= plain-http repo= username= verify version=",
    "show crds": "ca-file= cert-file= devel insecure-skip-tls-verify key-file= keyring= pass-credentials password= plain-http repo= username= verify version=",
    "template": "atomic a|api-versions= ca-file= cert-file= create-namespace dependency-update description= devel disable-openapi-validation dry-run? enable-dns force f|values= g|generate-name hide-notes include-crds insecure-skip-tls-verify is-upgrade key-file= keyring= kube-version= l|labels= name-template= no-hooks output-dir= pass-credentials password= plain-http post-renderer-args= post-renderer= release-name render-subchart-notes replace repo= set-file= set-json= set-literal= set-string= set= skip-crds skip-schema-validation skip-tests s|show-only= take-ownership timeout= username= validate verify version= wait wait-for-jobs",
    "lint": "f|values= kube-version= quiet set-file= set-json= set-literal= set-string= set= skip-schema-validation strict with-subcharts",
    "version": "short template=",
    "install": "atomic ca-file= cert-file= create-namespace dependency-update description= devel disable-openapi-validation dry-run? enable-dns force f|values= g|generate-name hide-notes hide-secret insecure-skip-tls-verify key-file= keyring= l|labels= name-template= no-hooks o|output= pass-credentials password= plain-http post-renderer-args= post-renderer= render-subchart-notes replace repo= set-file= set-json= set-literal= set-string= set= skip-crds skip-schema-validation take-ownership timeout= username= verify version= wait wait-for-jobs",
    "upgrade": "atomic ca-file= cert-file= cleanup-on-fail create-namespace dependency-update description= devel disable-openapi-validation dry-run? enable-dns force f|values= hide-notes hide-secret history-max= insecure-skip-tls-verify i|install key-file= keyring= l|labels= no-hooks o|output= pass-credentials password= plain-http post-renderer-args= post-renderer= render-subchart-notes repo= reset-then-reuse-values reset-values reuse-values set-file= set-json= set-literal= set-string= set= skip-crds skip-schema-validation take-ownership timeout= username= verify version= wait wait-for-jobs",
    "rollback": "cleanup-on-fail dry-run force history-max= no-hooks recreate-pods timeout= wait wait-for-jobs",
    "uninstall": "cascade= description= dry-run ignore-not-found keep-history no-hooks timeout= wait",
    "repo list": "o|output=",
    "repo update": "fail-on-repo-update-fail",
    "search repo": "devel fail-on-no-result l|versions max-col-width= o|output= r|regexp version=",
    "env": "",
    "test": "filter= hide-notes logs timeout=",
    "dependency list": "max-col-width=",
}
