/* The bundled example's small program: builds a Reading with the code
 * `buoy generate` wrote for acme/weather/v1, encodes it to the wire
 * format, decodes those bytes into a new message, checks that the two are
 * equal, and prints the decoded message as proto3 JSON. It also lists the
 * methods of WeatherService from the generated method table.
 *
 * Build (tests/example.sh does this):
 *   cc -std=c11 weather_demo.c GEN/acme/weather/v1/{weather,weather_service}.pb.c \
 *      $(pkg-config --cflags --libs buoy-pb) -I GEN */
#include <stdio.h>
#include <stdlib.h>

#include "acme/weather/v1/weather.pb.h"
#include "acme/weather/v1/weather_service.pb.h"
#include "pb/pb.h"

static int fail(const char *what, bp_status s) {
  fprintf(stderr, "weather_demo: %s: %s\n", what, bp_status_text(s));
  return 1;
}

int main(void) {
  bp_arena arena;
  bp_arena_init(&arena);

  /* Build a message. Strings are views: these literals outlive it. */
  acme_weather_v1_Reading *r = acme_weather_v1_Reading_new(&arena);
  if (!r) return fail("new", BP_ENOMEM);
  acme_weather_v1_Location *where = acme_weather_v1_Reading_mutable_location(r, &arena);
  if (!where) return fail("location", BP_ENOMEM);
  acme_weather_v1_Location_set_latitude(where, 51.4779);
  acme_weather_v1_Location_set_longitude(where, -0.0015);
  acme_weather_v1_Location_set_name(where, bp_str_c("Greenwich"));
  google_protobuf_Timestamp *at = acme_weather_v1_Reading_mutable_observed_at(r, &arena);
  if (!at) return fail("observed_at", BP_ENOMEM);
  google_protobuf_Timestamp_set_seconds(at, 1764633600); /* 2025-12-02T00:00:00Z */
  google_protobuf_Timestamp_set_nanos(at, 250000000);
  acme_weather_v1_Reading_set_temperature_celsius(r, 6.5f);
  acme_weather_v1_Reading_set_wind_speed_kmh(r, 0.0f); /* optional: zero, but present */
  acme_weather_v1_Reading_set_condition(r, acme_weather_v1_CONDITION_CLOUDY);
  if (!acme_weather_v1_Reading_labels_set(r, bp_str_c("station"), bp_str_c("GRW-01"), &arena) ||
      !acme_weather_v1_Reading_labels_set(r, bp_str_c("sensor"), bp_str_c("thermo-2"), &arena))
    return fail("labels", BP_ENOMEM);

  /* Encode; deterministic, so map entries come out in key order. */
  bp_encode_options eo = {BP_ENCODE_DETERMINISTIC, 0};
  bp_str wire;
  bp_status s = bp_encode(&acme_weather_v1_Reading_msgdef, r, &arena, &eo, &wire);
  if (s != BP_OK) return fail("encode", s);
  printf("encoded a Reading into %zu bytes:", wire.size);
  for (size_t i = 0; i < wire.size; i++) printf("%s%02x", i % 24 ? " " : "\n  ", (unsigned char)wire.data[i]);
  printf("\n");

  /* Decode the bytes into a new message and compare. */
  acme_weather_v1_Reading *back = acme_weather_v1_Reading_new(&arena);
  if (!back) return fail("new", BP_ENOMEM);
  s = bp_decode(&acme_weather_v1_Reading_msgdef, back, wire.data, wire.size, &arena, NULL);
  if (s != BP_OK) return fail("decode", s);
  if (!bp_msg_equal(&acme_weather_v1_Reading_msgdef, r, back)) {
    fprintf(stderr, "weather_demo: the decoded message differs from the one encoded\n");
    return 1;
  }
  bp_str station;
  if (!acme_weather_v1_Reading_labels_get(back, bp_str_c("station"), &station)) {
    fprintf(stderr, "weather_demo: the decoded message lost its station label\n");
    return 1;
  }
  printf("decoded it again: equal to the original; station %.*s, %zu labels, wind speed %s\n",
         (int)station.size, station.data, acme_weather_v1_Reading_labels_size(back),
         acme_weather_v1_Reading_has_wind_speed_kmh(back) ? "present" : "absent");

  /* Print the decoded message as proto3 JSON. */
  bp_json_options jo = {0};
  jo.indent = 2;
  bp_json_error err;
  bp_str json;
  s = bp_json_encode(&acme_weather_v1_Reading_msgdef, back, &arena, &jo, &json, &err);
  if (s != BP_OK) {
    fprintf(stderr, "weather_demo: JSON: %s\n", err.message);
    return 1;
  }
  printf("as JSON:\n%.*s\n", (int)json.size, json.data);

  /* The service's method table, as the gRPC runtime will use it. */
  const bp_servicedef *svc = &acme_weather_v1_WeatherService_servicedef;
  printf("service %s:\n", svc->full_name);
  for (uint32_t i = 0; i < svc->method_count; i++) {
    const bp_methoddef *m = &svc->methods[i];
    printf("  %s  %s -> %s%s\n", m->path, m->input->full_name,
           m->flags & BP_METHOD_SERVER_STREAMING ? "stream " : "", m->output->full_name);
  }

  bp_arena_free(&arena);
  return 0;
}
