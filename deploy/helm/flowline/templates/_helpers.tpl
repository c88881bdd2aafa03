{{/* The name prefix of every object: the release name, unless it already says "flowline". */}}
{{- define "flowline.fullname" -}}
{{- if contains "flowline" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-flowline" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flowline.labels" -}}
app.kubernetes.io/name: flowline
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one role; call with (dict "root" $ "role" "ingest"). */}}
{{- define "flowline.selector" -}}
app.kubernetes.io/name: flowline
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{/* Bootstrap address of the Strimzi listener the roles use. */}}
{{- define "flowline.kafkaBootstrap" -}}
{{- printf "%s-kafka-bootstrap.%s.svc:%d" .Values.kafka.cluster .Release.Namespace (int .Values.kafka.port) -}}
{{- end -}}

{{/*
Seconds a role needs after SIGTERM. Ingest waits at most INGEST_PRODUCE_TIMEOUT_MS for Kafka to
acknowledge what it accepted; the other roles declare drainSeconds.
*/}}
{{- define "flowline.drainSeconds" -}}
{{- if eq .role "ingest" -}}
{{- add1 (div (int .root.Values.config.INGEST_PRODUCE_TIMEOUT_MS) 1000) -}}
{{- else -}}
{{- (index .root.Values.roles .role).drainSeconds | default 10 -}}
{{- end -}}
{{- end -}}

{{/* Where the Secrets are mounted, one directory each; the *_FILE settings point into them. */}}
{{- define "flowline.secretVolumeMounts" -}}
- { name: database, mountPath: /var/run/secrets/flowline/database, readOnly: true }
- { name: kafka-user, mountPath: /var/run/secrets/flowline/kafka-user, readOnly: true }
- { name: kafka-ca, mountPath: /var/run/secrets/flowline/kafka-ca, readOnly: true }
{{- end -}}

{{- define "flowline.secretVolumes" -}}
# CloudNativePG's application Secret: `uri` is the read-write URL with the generated password.
- name: database
  secret:
    secretName: {{ .Values.postgres.cluster }}-app
    items: [{ key: uri, path: uri }]
    defaultMode: 0440
# Strimzi's KafkaUser Secret (SCRAM password) and the cluster CA that signs the brokers' certificates.
- name: kafka-user
  secret:
    secretName: {{ .Values.kafka.user }}
    items: [{ key: password, path: password }]
    defaultMode: 0440
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.cluster }}-cluster-ca-cert
    items: [{ key: ca.crt, path: ca.crt }]
    defaultMode: 0440
{{- end -}}

{{/* Pod-level settings every Flowline pod shares (Deployments and the migrate Job). */}}
{{- define "flowline.container" -}}
image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "flowline.fullname" . }}
{{- end -}}
