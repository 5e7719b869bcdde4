/**
 * Every Prometheus metric Tranche exports, on a registry of its own (never prom-client's global one, so two servers
 * in one process never mix their figures). The domain reports through DomainEvents, which this class implements;
 * the HTTP edge and the store decorators call the recorders below. Names and meanings: docs/OPERATIONS.md.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommitOutcomeKind, DomainEvents, JanitorReport, PartRejection } from '../domain/events.js';

/** OpenTelemetry's default buckets for http.server.request.duration, in seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Store operations are shorter: from 100 µs (a cached SQLite read) to 10 s. */
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type StoreKind = 'blob' | 'metadata';

/** Figures read when Prometheus scrapes, from the parts of the server that hold them. */
export interface MetricSources {
  /** Active, unexpired sessions, from the metadata store. */
  openSessions?(): Promise<number>;
  /** Bytes stored through this instance that the whole-file hashing has not folded yet. */
  hashBacklogBytes?(): number;
}

export class TrancheMetrics implements DomainEvents {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly received: Counter;
  private readonly sent: Counter;
  private readonly connections: Gauge;
  private readonly rateLimited: Counter<'budget'>;
  private readonly partsAccepted: Counter;
  private readonly partBytes: Counter;
  private readonly partsRejected: Counter<'reason'>;
  private readonly sessions: Counter<'event'>;
  private readonly commitDuration: Histogram<'outcome'>;
  private readonly commitsPending: Counter;
  private readonly janitorRuns: Counter;
  private readonly janitorSessions: Counter;
  private readonly janitorBytes: Counter;
  private readonly janitorOrphans: Counter;
  private readonly storeDuration: Histogram<'store' | 'operation'>;
  private readonly storeErrors: Counter<'store' | 'operation'>;
  private readonly integrityChecks: Counter<'outcome'>;
  private readonly integrityBytes: Counter;
  private readonly corruptVersions: Gauge;

  constructor(sources: MetricSources = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'tranche_process_' });
    this.requests = new Counter({ name: 'tranche_http_requests_total', help: 'HTTP requests answered, by method, route template and status', labelNames: ['method', 'route', 'status'], registers });
    this.requestDuration = new Histogram({
      name: 'tranche_http_request_duration_seconds',
      help: 'Time from the request arriving to its answer being sent (OpenTelemetry http.server.request.duration buckets)',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.received = new Counter({ name: 'tranche_http_received_bytes_total', help: 'Bytes read from clients, request heads included', registers });
    this.sent = new Counter({ name: 'tranche_http_sent_bytes_total', help: 'Bytes written to clients, response heads included', registers });
    this.connections = new Gauge({ name: 'tranche_http_open_connections', help: 'Client connections open now', registers });
    this.rateLimited = new Counter({ name: 'tranche_rate_limited_total', help: 'Requests refused with 429 by a rate limit, by budget (requests, parts)', labelNames: ['budget'], registers });
    this.partsAccepted = new Counter({ name: 'tranche_parts_accepted_total', help: 'Parts stored and recorded', registers });
    this.partBytes = new Counter({ name: 'tranche_part_bytes_total', help: 'Bytes of the parts stored and recorded', registers });
    this.partsRejected = new Counter({
      name: 'tranche_parts_rejected_total',
      help: 'Part uploads refused, by reason (digest_mismatch, overlap, size, aborted, other)',
      labelNames: ['reason'],
      registers,
    });
    this.sessions = new Counter({ name: 'tranche_sessions_total', help: 'Upload sessions by event (created, committed, aborted, expired)', labelNames: ['event'], registers });
    new Gauge({
      name: 'tranche_sessions_open',
      help: 'Active upload sessions not past their expiry (all instances sharing the database)',
      registers,
      async collect() {
        if (sources.openSessions) this.set(await sources.openSessions());
      },
    });
    this.commitDuration = new Histogram({
      name: 'tranche_commit_duration_seconds',
      help: 'Commit requests from arrival to answer, by outcome (created, pending: 202, refused)',
      labelNames: ['outcome'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.commitsPending = new Counter({ name: 'tranche_commits_pending_total', help: 'Commits answered 202 + Retry-After (whole-file hash still catching up)', registers });
    new Gauge({
      name: 'tranche_hash_backlog_bytes',
      help: 'Bytes of parts stored through this instance not yet folded into their whole-file SHA-1',
      registers,
      collect() {
        if (sources.hashBacklogBytes) this.set(sources.hashBacklogBytes());
      },
    });
    this.janitorRuns = new Counter({ name: 'tranche_janitor_runs_total', help: 'Janitor passes run by this instance', registers });
    this.janitorSessions = new Counter({ name: 'tranche_janitor_released_sessions_total', help: 'Aborted or expired sessions whose bytes the janitor released', registers });
    this.janitorBytes = new Counter({ name: 'tranche_janitor_freed_bytes_total', help: 'Bytes released by the janitor (declared sizes of the released sessions)', registers });
    this.janitorOrphans = new Counter({ name: 'tranche_janitor_orphan_uploads_removed_total', help: 'Upload blobs without a session removed by the janitor', registers });
    this.storeDuration = new Histogram({
      name: 'tranche_store_operation_duration_seconds',
      help: 'Blob and metadata store calls, by store and operation (streams: until the stream is handed over)',
      labelNames: ['store', 'operation'],
      buckets: STORE_BUCKETS,
      registers,
    });
    this.storeErrors = new Counter({ name: 'tranche_store_errors_total', help: 'Blob and metadata store calls that failed (client faults excluded)', labelNames: ['store', 'operation'], registers });
    this.integrityChecks = new Counter({ name: 'tranche_fsck_files_total', help: 'Stored file versions re-read and compared with their SHA-1, by outcome (ok, corrupt, unreadable)', labelNames: ['outcome'], registers });
    this.integrityBytes = new Counter({ name: 'tranche_fsck_bytes_total', help: 'Bytes re-read by the integrity check', registers });
    this.corruptVersions = new Gauge({ name: 'tranche_fsck_corrupt_files', help: 'File versions found corrupt or unreadable by the last integrity check of each', registers });
    // Every series a dashboard plots exists from the start, at 0.
    for (const reason of ['digest_mismatch', 'overlap', 'size', 'aborted', 'other']) this.partsRejected.inc({ reason }, 0);
    for (const event of ['created', 'committed', 'aborted', 'expired']) this.sessions.inc({ event }, 0);
    for (const budget of ['requests', 'parts']) this.rateLimited.inc({ budget }, 0);
    for (const outcome of ['ok', 'corrupt', 'unreadable']) this.integrityChecks.inc({ outcome }, 0);
  }

  // ---- HTTP edge

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, seconds);
  }

  bytesMoved(received: number, sent: number): void {
    if (received > 0) this.received.inc(received);
    if (sent > 0) this.sent.inc(sent);
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }

  rateLimitRejected(budget: 'requests' | 'parts' | 'anonymous'): void {
    this.rateLimited.inc({ budget });
  }

  // ---- stores

  storeCall(store: StoreKind, operation: string, seconds: number, failed: boolean): void {
    this.storeDuration.observe({ store, operation }, seconds);
    if (failed) this.storeErrors.inc({ store, operation });
  }

  /** How many file versions are known corrupt now (from the metadata store). */
  setCorruptVersions(count: number): void {
    this.corruptVersions.set(count);
  }

  // ---- DomainEvents

  sessionCreated(): void {
    this.sessions.inc({ event: 'created' });
  }

  sessionCommitted(): void {
    this.sessions.inc({ event: 'committed' });
  }

  sessionAborted(): void {
    this.sessions.inc({ event: 'aborted' });
  }

  sessionExpired(): void {
    this.sessions.inc({ event: 'expired' });
  }

  partAccepted(bytes: number): void {
    this.partsAccepted.inc();
    this.partBytes.inc(bytes);
  }

  partRejected(reason: PartRejection): void {
    this.partsRejected.inc({ reason });
  }

  commitFinished(outcome: CommitOutcomeKind, seconds: number): void {
    this.commitDuration.observe({ outcome }, seconds);
    if (outcome === 'pending') this.commitsPending.inc();
  }

  janitorRan(report: JanitorReport): void {
    this.janitorRuns.inc();
    this.janitorSessions.inc(report.releasedSessions);
    this.janitorBytes.inc(report.freedBytes);
    this.janitorOrphans.inc(report.removedOrphans);
  }

  integrityChecked(outcome: 'ok' | 'corrupt' | 'unreadable', bytes: number): void {
    this.integrityChecks.inc({ outcome });
    this.integrityBytes.inc(bytes);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
