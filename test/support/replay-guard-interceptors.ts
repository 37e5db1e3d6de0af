// Workflow interceptors for the replay guard (test/e2e/replay.test.ts), bundled only there. They
// draw from the workflow's random stream when a run starts, on every signal and before every
// activity, as a newly added interceptor
// (tracing, say) might, and report each activity's input to a sink that also runs during replay,
// so the test can compare what replay would schedule with what the history recorded. Temporal's
// own replay check compares command types only, not inputs.
import {
  type ActivityInput,
  type Next,
  proxySinks,
  type SignalInput,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export interface ReplayGuardSinks extends Sinks {
  replayGuard: { scheduled(activityType: string, args: unknown[]): void };
}

const { replayGuard } = proxySinks<ReplayGuardSinks>();

class RecordActivityInputs implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    Math.random();
    replayGuard.scheduled(input.activityType, input.args);
    return next(input);
  }
  scheduleLocalActivity(
    input: Parameters<NonNullable<WorkflowOutboundCallsInterceptor['scheduleLocalActivity']>>[0],
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    Math.random();
    replayGuard.scheduled(input.activityType, input.args);
    return next(input);
  }
}

class DrawOnInbound implements WorkflowInboundCallsInterceptor {
  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) {
    Math.random();
    return next(input);
  }
  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) {
    Math.random();
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new DrawOnInbound()],
  outbound: [new RecordActivityInputs()],
});
