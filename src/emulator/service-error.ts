import { KbError } from '../errors.js';

/**
 * An error the emulated service answers with. `type` goes into the `x-amzn-errortype` header, which is what the
 * SDK's REST-JSON deserializer turns into `error.name` (it reads the header before the body); `message` goes
 * into the JSON body as `{"message": ...}`.
 */
export class ServiceError extends KbError {
  readonly type: string;
  constructor(type: string, status: number, message: string) {
    super(type, message, { httpStatus: status, exitCode: 3 });
    this.type = type;
  }
}

export function validationError(message: string): ServiceError {
  return new ServiceError('ValidationException', 400, message);
}

/** Bedrock reports JSON-schema violations of a model body in this one sentence, problems run together. */
export function malformedInput(problems: string[]): ServiceError {
  return validationError(`Malformed input request: ${problems.join('')}, please reformat your input and try again.`);
}

export function accessDenied(message: string): ServiceError {
  return new ServiceError('AccessDeniedException', 403, message);
}

export function throttlingError(): ServiceError {
  return new ServiceError('ThrottlingException', 429, 'Too many requests, please wait before trying again.');
}
