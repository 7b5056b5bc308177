{{- define "mqtt-adapter.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mqtt-adapter.operatorName" -}}
{{- printf "%s-operator" (include "mqtt-adapter.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mqtt-adapter.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mqtt-adapter.labels" -}}
{{ include "mqtt-adapter.selectorLabels" . }}
app.kubernetes.io/component: operator
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "mqtt-adapter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mqtt-adapter.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag@digest from a dict of those parts; empty parts are left out. */}}
{{- define "mqtt-adapter.imageRef" -}}
{{- $ref := .repository -}}
{{- with .registry }}{{ $ref = printf "%s/%s" . $ref }}{{ end -}}
{{- with .tag }}{{ $ref = printf "%s:%s" $ref . }}{{ end -}}
{{- with .digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}

{{- define "mqtt-adapter.image" -}}
{{- $i := .Values.image -}}
{{- include "mqtt-adapter.imageRef" (dict "registry" $i.registry "repository" $i.repository "tag" (default .Chart.AppVersion $i.tag) "digest" $i.digest) -}}
{{- end -}}

{{/*
The operator's default adapter image: operator.adapterImage's parts over
image's, by the operator's own rule for spec.image (builders/image.ts): the
digest of image pins image only, so it goes once a name part changes, and a
digest given here drops the inherited tag.
*/}}
{{- define "mqtt-adapter.adapterImage" -}}
{{- $i := .Values.image -}}
{{- $a := .Values.operator.adapterImage -}}
{{- $tag := default .Chart.AppVersion $i.tag -}}
{{- $parts := dict "registry" (default $i.registry $a.registry) "repository" (default $i.repository $a.repository) -}}
{{- if $a.digest -}}
{{- $_ := set $parts "tag" $a.tag -}}
{{- $_ := set $parts "digest" $a.digest -}}
{{- else -}}
{{- $_ := set $parts "tag" (default $tag $a.tag) -}}
{{- if not (or $a.registry $a.repository $a.tag) }}{{ $_ := set $parts "digest" $i.digest }}{{ end -}}
{{- end -}}
{{- include "mqtt-adapter.imageRef" $parts -}}
{{- end -}}

{{/*
The operator pod's security context: podSecurityContext over the restricted
profile's runAsNonRoot and RuntimeDefault seccomp, or uid and gid 65532 when
podSecurityContext is unset (null). The default is null, not a map, because
Helm merges a user's {} with a default map and the fixed uid would stay.
*/}}
{{- define "mqtt-adapter.podSecurityContext" -}}
{{- $asked := .Values.podSecurityContext -}}
{{- if not (kindIs "map" $asked) }}{{ $asked = dict "runAsUser" 65532 "runAsGroup" 65532 }}{{ end -}}
{{- toYaml (merge (deepCopy $asked) (dict "runAsNonRoot" true "seccompProfile" (dict "type" "RuntimeDefault"))) -}}
{{- end -}}

{{/*
What the operator does with the API, cluster-wide or in each watched namespace:
watch listeners and write their status; server-side apply the children it owns
(apply is a patch, and also a create when the object does not exist yet) and
delete the optional ones a spec turns off; read the Secrets listeners reference
(one watch per referenced Secret, to hash them and report missing ones); record
Events. ServiceMonitors are per listener (spec.metrics.serviceMonitor), so their
rule does not depend on chart values.
*/}}
{{- define "mqtt-adapter.operatorRules" -}}
- apiGroups: [mqtt.adapter.dev]
  resources: [mqttlisteners]
  verbs: [get, list, watch]
- apiGroups: [mqtt.adapter.dev]
  resources: [mqttlisteners/status]
  verbs: [patch]
# Children carry an owner reference with blockOwnerDeletion; where the
# OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift), setting
# it needs update on the owner's finalizers.
- apiGroups: [mqtt.adapter.dev]
  resources: [mqttlisteners/finalizers]
  verbs: [update]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch]
- apiGroups: ['']
  resources: [services]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, list, watch, create, patch, delete]
# spec.autoscaling: the operator keeps one HPA per listener, watches it and deletes it when the spec drops it.
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: ['']
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: ['']
  resources: [events]
  verbs: [create]
# The mqtt.adapter.dev/rebalance annotation: the operator finds a ready pod of
# the listener to POST /rebalance to. It lists them when asked; it never watches them.
- apiGroups: ['']
  resources: [pods]
  verbs: [list]
- apiGroups: [monitoring.coreos.com]
  resources: [servicemonitors]
  verbs: [get, create, patch, delete]
{{- end }}
