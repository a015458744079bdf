{{/*
Chart name, overridable by nameOverride; also the value of the `app` pod label.
*/}}
{{- define "taskflow-frontend.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name, used for every object name. A release named like the chart
(`helm install taskflow-frontend ./charts/taskflow-frontend`) yields exactly the chart name, so the
Service is reachable as http://taskflow-frontend:<port>, the address the frontend is configured with.
Truncated to 63 characters: DNS label limit.
*/}}
{{- define "taskflow-frontend.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "taskflow-frontend.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels. Deployment selectors are immutable, so nothing that changes between
releases (version, chart) may appear here.
*/}}
{{- define "taskflow-frontend.selectorLabels" -}}
app.kubernetes.io/name: {{ include "taskflow-frontend.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels shared by every object of a release, except the test pod (see testLabels).
`app` is kept for the plan's `kubectl wait -l app=taskflow-frontend` and kubectl habits.
*/}}
{{- define "taskflow-frontend.labels" -}}
helm.sh/chart: {{ include "taskflow-frontend.chart" . }}
{{ include "taskflow-frontend.selectorLabels" . }}
app: {{ include "taskflow-frontend.name" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
{{- end }}
app.kubernetes.io/component: frontend
app.kubernetes.io/part-of: taskflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Pod template labels: the chart's labels win over .Values.podLabels, so a user label can
never break the selector.
*/}}
{{- define "taskflow-frontend.podLabels" -}}
{{- $own := include "taskflow-frontend.labels" . | fromYaml }}
{{- toYaml (merge $own (.Values.podLabels | default dict)) }}
{{- end }}

{{/*
Labels of the `helm test` pod: deliberately without the selector labels and without `app`,
or the ReplicaSet would adopt it, the Service would route to it and
`kubectl wait -l app=...` would wait on it.
*/}}
{{- define "taskflow-frontend.testLabels" -}}
helm.sh/chart: {{ include "taskflow-frontend.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
{{- end }}
app.kubernetes.io/component: helm-test
app.kubernetes.io/part-of: taskflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Service account the pods run as.
*/}}
{{- define "taskflow-frontend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "taskflow-frontend.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
An HTTP GET probe from a values block {path, port, <timing fields>}.
*/}}
{{- define "taskflow-frontend.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- with omit . "path" "port" }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
HPA API group version: autoscaling/v2 from Kubernetes 1.23, v2beta2 before
(the v2beta2 spec has the same shape for the fields used here).
*/}}
{{- define "taskflow-frontend.hpaApiVersion" -}}
{{- if .Capabilities.APIVersions.Has "autoscaling/v2" -}}
autoscaling/v2
{{- else -}}
autoscaling/v2beta2
{{- end }}
{{- end }}
