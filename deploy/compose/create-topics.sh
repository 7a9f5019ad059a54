#!/usr/bin/env bash
# Run by the compose service kafka-init (apache/kafka image): creates each topic of KAFKA_TOPICS
# with KAFKA_TOPIC_PARTITIONS partitions (or its own, as name:N) and KAFKA_REPLICATION_FACTOR
# replicas, unless it exists.
# Retries while the cluster has fewer brokers than the replication factor (they start in any order).
set -euo pipefail

: "${KAFKA_BOOTSTRAP:?}" "${KAFKA_TOPICS:?}" "${KAFKA_TOPIC_PARTITIONS:?}" "${KAFKA_REPLICATION_FACTOR:?}"
topics_sh=/opt/kafka/bin/kafka-topics.sh

# An entry is "name" (KAFKA_TOPIC_PARTITIONS partitions) or "name:partitions".
for entry in ${KAFKA_TOPICS}; do
  topic="${entry%%:*}"
  partitions="${KAFKA_TOPIC_PARTITIONS}"
  if [ "${entry}" != "${topic}" ]; then partitions="${entry#*:}"; fi
  for attempt in $(seq 1 60); do
    if "${topics_sh}" --bootstrap-server "${KAFKA_BOOTSTRAP}" --create --if-not-exists --topic "${topic}" \
         --partitions "${partitions}" --replication-factor "${KAFKA_REPLICATION_FACTOR}"; then
      break
    fi
    if [ "${attempt}" -eq 60 ]; then
      echo "kafka-init: could not create ${topic}" >&2
      exit 1
    fi
    sleep 5
  done
done
echo "kafka-init: topics ready: ${KAFKA_TOPICS}"
