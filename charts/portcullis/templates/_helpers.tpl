{{/* Labels on every object: the install's, and Helm's. */}}
{{- define "portcullis.labels" -}}
app.kubernetes.io/name: portcullis
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The manager pods. */}}
{{- define "portcullis.selector" -}}
app.kubernetes.io/name: portcullis
app.kubernetes.io/component: manager
{{- end -}}

{{/* The webhook configurations' clientConfig for path. */}}
{{- define "portcullis.webhookClient" -}}
service:
  name: portcullis-webhook
  namespace: {{ .root.Release.Namespace }}
  path: {{ .path }}
  port: 443
{{- end -}}

{{/* Ingresses of the class, or of no class, reach the webhook; the manager adds
   every other IngressClass of ours (docs/webhook.md). */}}
{{- define "portcullis.classCondition" -}}
- name: portcullis-class-or-none
  expression: >-
    (has(object.spec.ingressClassName) && object.spec.ingressClassName in ['{{ .Values.ingressClass.name }}']) ||
    (has(object.metadata.annotations) && 'kubernetes.io/ingress.class' in object.metadata.annotations &&
    object.metadata.annotations['kubernetes.io/ingress.class'] in ['{{ .Values.ingressClass.name }}']) ||
    (!has(object.spec.ingressClassName) &&
    !(has(object.metadata.annotations) && 'kubernetes.io/ingress.class' in object.metadata.annotations))
{{- end -}}

{{/* cert-manager injects the webhook's CA. */}}
{{- define "portcullis.injectCA" -}}
{{- if eq .Values.webhook.certMode "cert-manager" }}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/portcullis-webhook
{{- end }}
{{- end -}}
