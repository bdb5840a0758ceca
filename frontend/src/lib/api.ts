// The one typed client of Chartroom's HTTP API (docs/API.md).

export type Role = 'student' | 'instructor' | 'coordinator' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
}
export interface ProgramRef { id: string; slug: string; name: string; role: string }
export interface Enrollment {
  id: string; programId: string; programName?: string; cohortId: string; cohortName: string;
  status: string; startDate: string; student?: { id: string; name: string; email: string };
}
export interface Me { user: User; csrfToken: string; expiresAt: string; programs: ProgramRef[]; enrollments: Enrollment[] }
export interface Cohort { id: string; programId: string; name: string; entryYear: number }
export interface Program {
  id: string; slug: string; name: string; credential: string; accreditationId: string;
  institution: { id: string; name: string };
  cohorts?: Cohort[]; counts?: { active: number; total: number; byStatus: Record<string, number> };
}
export interface Page<T> { items: T[]; nextCursor: string | null }
export interface FieldError { field: string; message: string }
export interface CourseSummary { slug: string; title: string; exam: string; summary: string; lessons: number }
export interface Course extends CourseSummary {
  modules: { id: string; title: string; domain: string; competencies: string[]; quizSize: number; lessons: { id: string; title: string; minutes: number }[] }[];
}
export interface Lesson {
  id: string; title: string; minutes: number; html: string;
  course: { slug: string; title: string }; module: { id: string; title: string };
}
export interface Progress { completed: string[]; lastLesson: string; percent: number; modules: { id: string; completed: number; total: number; percent: number }[] }
export interface QuizQuestion { itemId: string; questionId: string; type: 'single' | 'multiple'; scenario?: string; stem: string; choose: number; options: { id: string; text: string }[] }
export interface Feedback { correct: boolean; key: string[]; rationales: Record<string, string>; version: number }
export interface BankOption { id: string; text: string; correct: boolean; rationale: string }
export interface BankQuestion { id: string; type: 'single' | 'multiple'; stem: string; choose: number; options: BankOption[]; level: string; bloom: string; difficulty: number; angoff?: number | null; references?: string[] }
export interface BankItem {
  id: string; bank: string; type: 'single' | 'multiple' | 'scenario'; status: string; exams: string[]; blueprint: Record<string, string>;
  topic: string; competency: string; scenario?: string; questions: BankQuestion[]; references?: string[]; author: string; reviewer: string;
  version?: number; responses?: number; updatedAt?: string;
  history?: { version: number; status: string; reviewer: string; responses: number; current: boolean }[];
}
export interface ExamSummary { id: string; programId: string; title: string; kind: string; exam: string; domain?: string; questions: number; timeLimitMinutes: number; opensAt: string | null; closesAt: string | null; attemptsAllowed: number }
export interface DeliveredItem { id: string; type: 'single' | 'multiple'; stem: string; options: { id: string; text: string }[]; choose: number; scenario?: string; setId?: string }
export interface DomainScore { domain: string; correct: number; total: number }
export interface Score { raw: number; total: number; percent: number; scaled: number; passed: boolean; cut: number; domains: DomainScore[]; subdomains: DomainScore[] }
export interface AttemptView {
  id: string; examId: string; number: number; status: 'open' | 'submitted' | 'closed'; deadline: string | null; timed: boolean; serverTime: string;
  position: number; items: DeliveredItem[]; responses: Record<string, { choices: string[]; flagged: boolean; seq: number }>; score?: Score;
}
export interface ReviewView {
  id: string; status: string; score?: Score;
  items: { id: string; stem: string; scenario?: string; domain: string; choices?: string[]; correct?: boolean; options: { id: string; text: string; correct?: boolean; rationale?: string }[] }[];
}
export interface MonitorRow { attemptId: string; student: { id: string; name: string }; number: number; status: string; answered: number; total: number; secondsLeft: number; deadline: string | null }
export interface ItemAnalysis { questionId: string; itemId: string; version: number; domain: string; n: number; facility: number; discrimination: number; pointBiserial: number; choiceRates: Record<string, number>; key: string[]; flags: string[] }
export interface AnalysisView { attempts: number; items: ItemAnalysis[]; forms: { questions: number; attempts: number; mean: number; sd: number; kr20: number; sem: number }[] }
export interface ImportResult { created: number; enrolled: number; unchanged: number; generatedPasswords: { email: string; password: string }[] }
export interface Unlock { kind: 'exam' | 'course'; ref: string }
export interface Fee {
  id: string; programId: string; kind: string; name: string; amount: number; currency: string; dueDate: string;
  unlocks: Unlock[]; refundPolicy: string; revokeOnRefund: boolean;
}
export interface Charge {
  id: string; feeId: string; programId: string; cohortId: string; kind: string; name: string; amount: number; currency: string; dueDate: string;
  unlocks: Unlock[]; refundPolicy: string; revokeOnRefund: boolean;
  charged: number; paid: number; waived: number; refunded: number; outstanding: number; status: 'due' | 'paid' | 'waived' | 'refunded';
}
export interface LedgerEntry {
  id: string; chargeId: string; programId: string; kind: string; amount: number; currency: string; method?: string;
  reference?: string; reason?: string; paymentId?: string; receiptId?: string; actorId: string; at: string;
}
export interface BillingAccount { studentId: string; balance: number; onlineAvailable: boolean; charges: Charge[]; entries: LedgerEntry[] }
export interface Receipt {
  id: string; studentId: string; studentName: string; studentEmail: string; programId: string; programName: string; method: string;
  reference: string; at: string; currency: string; total: number; refunded: number; items: { chargeId: string; name: string; amount: number; entryId: string }[];
}
export interface FeeReportRow { feeId: string; feeName: string; cohortId: string; cohortName: string; currency: string; students: number; charged: number; collected: number; waived: number; refunded: number; outstanding: number }
export interface FeeReport {
  programId: string; rows: FeeReportRow[]; totals: FeeReportRow; onlineAvailable: boolean;
  outstanding: { studentId: string; name: string; email: string; currency: string; balance: number }[]; refunds: LedgerEntry[];
}

export interface Figure {
  key: string; label: string; numerator: number; denominator: number; value: number | null;
  pending: number; excluded: number; provisional: boolean; definition: string;
}
export interface GoalView {
  id: string; area: string; title: string; measure: string; target: number; result: number | null; tool: string;
  analysis: string; actionPlan: string; responsible: string; timeframe: string; value?: number | null; met?: boolean | null;
}
export interface ReadinessRow {
  CohortID: string; Exam: string; Students: number; Takers: number; Ready: number; ReadyShare: number | null;
  Domains: { Code: string; Name: string; MinPercent: number; MaxPercent: number; Correct: number; Total: number; Percent: number | null }[] | null;
  PassRate: number | null; PassN: number;
}
export interface Coverage {
  Domains: { Code: string; Name: string }[]; Blooms: string[];
  Cells: { Domain: string; Bloom: string; Competencies: number; Courses: number; Lessons: number; Items: number }[] | null;
  Gaps: { Competency: string; Domain: string; Bloom: string; Text: string; Lessons: number; Items: number }[] | null;
}
export interface OutcomesReport {
  program: { id: string; name: string; slug: string };
  year: number; label: string; from: string; to: string; asOf: string; normalMonths: number; students: number; unverifiedResults: number;
  figures: Figure[];
  trends: { year: number; label: string; figures: Figure[] }[];
  cohorts: { id: string; name: string; entryYear: number; size: number; byStatus: Record<string, number>; figures: Figure[]; surveyResponses: number }[];
  surveys: { kind: string; responses: number; items: { item: string; counts: number[]; n: number; mean: number; agree: number }[] }[];
  readiness: ReadinessRow[] | null;
  goals: GoalView[];
  coverage: Coverage;
  tables: string[];
  links: Record<string, string>;
}
export interface CertResult { id: string; studentId: string; name: string; email: string; exam: string; date: string; attempt: number; passed: boolean; scaledScore?: number; source: string; verified: boolean }
export interface SurveyLink { id: string; kind: string; cohortId?: string; title: string; link: string; closed: boolean; responses: number; createdAt: string }
export interface OutcomeSettings { normalMonths: number; publicFigures: string[]; alwaysPublic: string[]; figureKeys: string[] }
export interface OutcomeImportResult { kind: string; rows: number; created: number; unchanged: number }

/** ApiError is a problem+json response (RFC 9457), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    public status: number,
    public title: string,
    public detail: string,
    public type = '',
    public errors: FieldError[] = [],
    public retryAfter = 0,
  ) {
    super(detail || title);
  }
  /** fieldMessage returns the message for one field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

type Fetch = typeof fetch;

/** Client keeps the CSRF token in memory and sends it on every unsafe request. */
export class Client {
  csrfToken = '';
  constructor(private fetcher: Fetch = (...a) => fetch(...a), private base = '') {}

  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let payload: BodyInit | undefined;
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let res: Response;
    try {
      res = await this.fetcher(this.base + path, { method, headers, body: payload, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, 'Network error', 'Cannot reach Chartroom. Check your connection and try again.');
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let data: any = undefined;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const retry = Number(res.headers.get('Retry-After') ?? 0);
      throw new ApiError(res.status, data?.title ?? res.statusText, data?.detail ?? '', data?.type ?? '', data?.errors ?? [], retry);
    }
    return data as T;
  }

  async login(email: string, password: string): Promise<{ user: User; csrfToken: string }> {
    const r = await this.request<{ user: User; csrfToken: string }>('POST', '/api/v1/auth/login', { email, password });
    this.csrfToken = r.csrfToken;
    return r;
  }
  async logout(): Promise<void> {
    await this.request<void>('POST', '/api/v1/auth/logout');
    this.csrfToken = '';
  }
  async me(): Promise<Me> {
    const m = await this.request<Me>('GET', '/api/v1/me');
    this.csrfToken = m.csrfToken;
    return m;
  }
  changePassword(currentPassword: string, newPassword: string) {
    return this.request<void>('POST', '/api/v1/me/password', { currentPassword, newPassword });
  }
  users(q = '', cursor = '') {
    return this.request<Page<User>>('GET', `/api/v1/users?${qs({ q, cursor, limit: '25' })}`);
  }
  createUser(u: { email: string; name: string; roles: Role[]; password?: string }) {
    return this.request<{ user: User; generatedPassword?: string }>('POST', '/api/v1/users', u);
  }
  programs() {
    return this.request<Page<Program>>('GET', '/api/v1/programs');
  }
  program(id: string) {
    return this.request<Program>('GET', `/api/v1/programs/${encodeURIComponent(id)}`);
  }
  createCohort(programId: string, name: string, entryYear: number) {
    return this.request<Cohort>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/cohorts`, { name, entryYear });
  }
  enrollments(programId: string, f: { cohortId?: string; status?: string; cursor?: string }) {
    return this.request<Page<Enrollment>>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/enrollments?${qs({ ...f, limit: '25' })}`);
  }
  enroll(programId: string, e: { email: string; name: string; cohortId: string; startDate: string }) {
    return this.request<{ enrollment: Enrollment; generatedPassword?: string }>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/enrollments`, e);
  }
  importStudents(programId: string, csv: string) {
    return this.request<ImportResult>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/enrollments/import`, csv, 'text/csv');
  }
  courses() {
    return this.request<Page<CourseSummary>>('GET', '/api/v1/courses');
  }
  course(slug: string) {
    return this.request<Course>('GET', `/api/v1/courses/${encodeURIComponent(slug)}`);
  }
  progress(slug: string) {
    return this.request<Progress>('GET', `/api/v1/courses/${encodeURIComponent(slug)}/progress`);
  }
  /** markLesson records completion (true/false) or, with undefined, only where to resume. */
  markLesson(slug: string, lessonId: string, completed?: boolean) {
    return this.request<Progress>('PUT', `/api/v1/courses/${encodeURIComponent(slug)}/progress/${encodeURIComponent(lessonId)}`, completed === undefined ? {} : { completed });
  }
  quiz(slug: string, scope: { moduleId?: string; lessonId?: string }) {
    const part = scope.moduleId ? `modules/${encodeURIComponent(scope.moduleId)}` : `lessons/${encodeURIComponent(scope.lessonId ?? '')}`;
    return this.request<Page<QuizQuestion>>('GET', `/api/v1/courses/${encodeURIComponent(slug)}/${part}/quiz`);
  }
  answer(itemId: string, questionId: string, choices: string[]) {
    return this.request<Feedback>('POST', '/api/v1/practice/answers', { itemId, questionId, choices });
  }
  bankItems(f: Record<string, string>) {
    return this.request<Page<BankItem>>('GET', `/api/v1/bank/items?${qs({ ...f, limit: '25' })}`);
  }
  bankItem(id: string) {
    return this.request<BankItem>('GET', `/api/v1/bank/items/${encodeURIComponent(id)}`);
  }
  saveItem(it: BankItem) {
    const { version: _v, responses: _r, updatedAt: _u, history: _h, ...body } = it;
    return this.request<BankItem>('PUT', `/api/v1/bank/items/${encodeURIComponent(it.id)}`, body);
  }
  setItemStatus(id: string, status: string) {
    return this.request<BankItem>('POST', `/api/v1/bank/items/${encodeURIComponent(id)}/status`, { status });
  }
  exams() {
    return this.request<Page<ExamSummary>>('GET', '/api/v1/exams');
  }
  programExams(programId: string) {
    return this.request<Page<ExamSummary>>('GET', `/api/v1/exams?${qs({ programId })}`);
  }
  createExam(e: Record<string, unknown>) {
    return this.request<ExamSummary>('POST', '/api/v1/exams', e);
  }
  monitor(examId: string) {
    return this.request<{ items: MonitorRow[] }>('GET', `/api/v1/exams/${encodeURIComponent(examId)}/monitor`);
  }
  analysis(examId: string, all: boolean) {
    return this.request<AnalysisView>('GET', `/api/v1/exams/${encodeURIComponent(examId)}/analysis${all ? '?attempts=all' : ''}`);
  }
  extend(attemptId: string, minutes: number) {
    return this.request<{ id: string; deadline: string }>('POST', `/api/v1/attempts/${encodeURIComponent(attemptId)}/extend`, { minutes });
  }
  resetAttempt(attemptId: string, reason: string) {
    return this.request<{ id: string; status: string }>('POST', `/api/v1/attempts/${encodeURIComponent(attemptId)}/reset`, { reason });
  }
  startAttempt(examId: string) {
    return this.request<AttemptView>('POST', `/api/v1/exams/${encodeURIComponent(examId)}/attempts`);
  }
  attempt(id: string) {
    return this.request<AttemptView>('GET', `/api/v1/attempts/${encodeURIComponent(id)}`);
  }
  saveResponse(attemptId: string, itemId: string, body: { choices: string[]; flagged: boolean; seq: number; position?: number }) {
    return this.request<{ applied: boolean; seq: number; deadline: string | null; serverTime: string }>('PUT', `/api/v1/attempts/${encodeURIComponent(attemptId)}/responses/${encodeURIComponent(itemId)}`, body);
  }
  submitAttempt(id: string) {
    return this.request<{ id: string; status: string; score?: Score }>('POST', `/api/v1/attempts/${encodeURIComponent(id)}/submit`);
  }
  review(id: string) {
    return this.request<ReviewView>('GET', `/api/v1/attempts/${encodeURIComponent(id)}/review`);
  }
  outcomes(programId: string, year?: number, readiness = false) {
    return this.request<OutcomesReport>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes?${qs({ year: year ? String(year) : '', readiness: readiness ? 'true' : '' })}`);
  }
  outcomeSettings(programId: string) {
    return this.request<OutcomeSettings>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/settings`);
  }
  saveOutcomeSettings(programId: string, s: { normalMonths: number; publicFigures: string[] }) {
    return this.request<OutcomeSettings>('PUT', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/settings`, s);
  }
  certifications(programId: string) {
    return this.request<Page<CertResult>>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/certifications`);
  }
  recordCertification(programId: string, r: { studentId?: string; exam: string; date: string; attempt: number; passed: boolean; scaledScore?: number }) {
    return this.request<CertResult>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/certifications`, r);
  }
  verifyCertification(programId: string, id: string) {
    return this.request<CertResult>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/certifications/verify`, { id });
  }
  recordEmployment(programId: string, e: { studentId: string; status: string; date: string; setting: string }) {
    return this.request<unknown>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/employment`, e);
  }
  changeStatus(programId: string, c: { studentId: string; status: string; date: string; expectedCompletion?: string }) {
    return this.request<unknown>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/status`, c);
  }
  importOutcomes(programId: string, kind: string, csv: string) {
    return this.request<OutcomeImportResult>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/import?${qs({ kind })}`, csv, 'text/csv');
  }
  surveys(programId: string) {
    return this.request<Page<SurveyLink>>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/surveys`);
  }
  createSurvey(programId: string, s: { kind: string; title: string; cohortId?: string }) {
    return this.request<SurveyLink>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/surveys`, s);
  }
  saveGoal(programId: string, g: Partial<GoalView>) {
    const { id, value: _v, met: _m, ...body } = g;
    const base = `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/goals`;
    return id ? this.request<GoalView>('PUT', `${base}/${encodeURIComponent(id)}`, body) : this.request<GoalView>('POST', base, body);
  }
  deleteGoal(programId: string, id: string) {
    return this.request<void>('DELETE', `/api/v1/programs/${encodeURIComponent(programId)}/outcomes/goals/${encodeURIComponent(id)}`);
  }
  lesson(slug: string, id: string) {
    return this.request<Lesson>('GET', `/api/v1/courses/${encodeURIComponent(slug)}/lessons/${encodeURIComponent(id)}`);
  }
  billing() {
    return this.request<BillingAccount>('GET', '/api/v1/billing');
  }
  checkout(chargeIds: string[]) {
    return this.request<{ id: string; url: string; status: string; amount: number; currency: string }>('POST', '/api/v1/billing/checkout', { chargeIds });
  }
  receipt(id: string) {
    return this.request<Receipt>('GET', `/api/v1/receipts/${encodeURIComponent(id)}`);
  }
  fees(programId: string) {
    return this.request<{ items: Fee[]; onlineAvailable: boolean }>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/fees`);
  }
  createFee(programId: string, f: Omit<Fee, 'id' | 'programId'>) {
    return this.request<Fee>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/fees`, f);
  }
  assignFee(programId: string, feeId: string, to: { cohortId?: string; studentIds?: string[] }) {
    return this.request<{ assigned: number; existing: number }>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/fees/${encodeURIComponent(feeId)}/assign`, to);
  }
  recordPayment(programId: string, p: { chargeId: string; method: string; amount: number; reference: string; reason: string }) {
    return this.request<LedgerEntry>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/payments`, p);
  }
  refund(programId: string, r: { studentId: string; paymentId: string; amount: number; reason: string }) {
    return this.request<Page<LedgerEntry>>('POST', `/api/v1/programs/${encodeURIComponent(programId)}/refunds`, r);
  }
  feeReport(programId: string) {
    return this.request<FeeReport>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/billing`);
  }
  studentBilling(programId: string, studentId: string) {
    return this.request<BillingAccount>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/billing/students/${encodeURIComponent(studentId)}`);
  }
  programStudents(programId: string, cursor = '') {
    return this.request<Page<Enrollment>>('GET', `/api/v1/programs/${encodeURIComponent(programId)}/enrollments?${qs({ cursor, status: 'active', limit: '200' })}`);
  }
}

/** percent renders a share (0..1) as "75.0%", or an en dash when there is none. */
export function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}

/** qs builds a query string from the non-empty values. */
export function qs(params: Record<string, string | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  return u.toString();
}

/** describe turns any error into a sentence for the user. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) return `Too many requests. Try again in ${err.retryAfter || 60} seconds.`;
    return err.detail || err.title;
  }
  return 'Something went wrong. Please try again.';
}

/** signInMessage is describe for the sign-in form, where 429 means too many attempts. */
export function signInMessage(err: unknown): string {
  if (err instanceof ApiError && err.status === 429) {
    return `Too many sign-in attempts. Try again in ${err.retryAfter || 60} seconds.`;
  }
  return describe(err);
}

/**
 * itemsOr404 loads one list page and returns its items; a 404 means the feature is not
 * deployed on this server yet and reads as an empty list. Other errors are thrown.
 */
export async function itemsOr404<T>(load: () => Promise<Page<T>>): Promise<T[]> {
  try {
    return (await load()).items ?? [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return [];
    throw err;
  }
}

/** money formats minor units (cents) as a currency amount, e.g. $1,200.00. */
export function money(cents: number, currency = 'usd'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

/** toCents reads a decimal amount typed by a person ("12.5", "1,200.00") as cents; NaN when it is not one. */
export function toCents(text: string): number {
  const t = text.replace(/[,$\s]/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return NaN;
  return Math.round(Number(t) * 100);
}

export const api = new Client();

// The live classroom (docs/REALTIME.md for the WebSocket protocol).
export interface Section {
  id: string; programId: string; title: string; courseSlug: string; room: string; meetings: string[];
  instructorIds: string[]; studentIds?: string[]; studentCount: number; lateAfterMinutes: number; staff: boolean; createdAt: string;
}
export interface ClassSession { id: string; sectionId: string; title: string; status: 'scheduled' | 'live' | 'ended'; scheduledAt: string; startedAt: string | null; endedAt: string | null; staff?: boolean }
export interface CheckinCode { code: string; shownAt: string; rotatesAt: string; validUntil: string }
export interface AttendanceRecord { sessionId: string; studentId: string; status: string; mode: string; checkedInAt: string | null; ip?: string; userAgent?: string; manual: boolean; note?: string }
export interface AttendanceReport { sessions: ClassSession[]; students: { id: string; name: string; email: string }[]; records: AttendanceRecord[] }

export const classroomApi = {
  sections: () => api.request<Page<Section>>('GET', '/api/v1/sections'),
  section: (id: string) => api.request<Section>('GET', `/api/v1/sections/${encodeURIComponent(id)}`),
  createSection: (s: { programId: string; title: string; room?: string; courseSlug?: string; meetings?: string[]; lateAfterMinutes?: number }) =>
    api.request<Section>('POST', '/api/v1/sections', s),
  addStudents: (id: string, emails: string[]) => api.request<Section>('POST', `/api/v1/sections/${encodeURIComponent(id)}/students`, { emails }),
  sessions: (sectionId: string) => api.request<Page<ClassSession>>('GET', `/api/v1/sections/${encodeURIComponent(sectionId)}/sessions`),
  createSession: (sectionId: string, title: string, start: boolean) =>
    api.request<ClassSession>('POST', `/api/v1/sections/${encodeURIComponent(sectionId)}/sessions`, { title, start }),
  session: (id: string) => api.request<{ session: ClassSession; section: { id: string; title: string; room: string; courseSlug: string } }>('GET', `/api/v1/sessions/${encodeURIComponent(id)}`),
  start: (id: string) => api.request<ClassSession>('POST', `/api/v1/sessions/${encodeURIComponent(id)}/start`),
  end: (id: string) => api.request<{ session: ClassSession; markedAbsent: number }>('POST', `/api/v1/sessions/${encodeURIComponent(id)}/end`),
  code: (id: string) => api.request<CheckinCode>('GET', `/api/v1/sessions/${encodeURIComponent(id)}/code`),
  checkIn: (id: string, mode: 'in-person' | 'remote', code = '') =>
    api.request<AttendanceRecord>('POST', `/api/v1/sessions/${encodeURIComponent(id)}/checkin`, { mode, code }),
  mark: (sessionId: string, studentId: string, status: string, note = '') =>
    api.request<AttendanceRecord>('PUT', `/api/v1/sessions/${encodeURIComponent(sessionId)}/attendance/${encodeURIComponent(studentId)}`, { status, note }),
  attendance: (sectionId: string) => api.request<AttendanceReport>('GET', `/api/v1/sections/${encodeURIComponent(sectionId)}/attendance`),
  attendanceCsvUrl: (sectionId: string) => `/api/v1/sections/${encodeURIComponent(sectionId)}/attendance.csv`,
};
