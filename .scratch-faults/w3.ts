import fc from 'fast-check';
import {parsePrometheus} from '/work/main/source/domain/prometheus.ts';
import {summarizeWindow} from '/work/main/source/domain/window.ts';
import {INVOLUTION_PROFILE} from '/work/main/source/domain/profiles.ts';
const LES = ['0.01', '0.05', '0.1', '0.2', '0.5', '1.0', '2.0', '5.0', '+Inf', 'NaN', '-1', 'abc', '1e400', '-Inf', ''];
const VALUES = ['NaN', '+Inf', '-Inf', 'Inf', '-1', '0', '1e308', '4.2', '1e9999'];
const e = parsePrometheus('');
const r = fc.check(fc.property(fc.array(fc.tuple(fc.constantFrom(...LES), fc.oneof(fc.constantFrom(...VALUES), fc.nat().map(String))), {maxLength: 6}), fc.array(fc.tuple(fc.constantFrom(...LES), fc.oneof(fc.constantFrom(...VALUES), fc.nat().map(String))), {maxLength: 6}), (a, b) => {
  const page = (x: [string,string][]) => parsePrometheus(x.map(([le, v]) => `involution_request_duration_seconds_bucket{endpoint="/v1/positions",le="${le}"} ${v}`).join('\n'));
  const f = summarizeWindow(page(a), page(b), 5, INVOLUTION_PROFILE);
  for (const q of [f.p50, f.p95, f.p99]) if (q && !Number.isFinite(q.seconds)) return false;
  return true;
}), {numRuns: 20000});
console.log(r.failed, JSON.stringify(r.counterexample));
