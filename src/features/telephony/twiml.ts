/**
 * TwiML for each step of the phone line, built with Twilio's own library so the XML is what Twilio
 * documents and expects.
 */
import twilio from 'twilio';
import type { AuthorityProfile, Prompt } from '../../domain/authority-profile.js';
import type { IvrStep } from '../../domain/ivr.js';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type SayTarget = { say: VoiceResponse['say']; play: VoiceResponse['play'] };
type SayAttributes = Parameters<VoiceResponse['say']>[0];

/** Seconds the caller has to press a key after the menu ends. */
export const GATHER_TIMEOUT_SECONDS = 6;

export function twilioQueueName(authorityId: string, queue: string): string {
  return `${authorityId}.${queue}`.slice(0, 64);
}

function speak(target: SayTarget, profile: AuthorityProfile, prompts: Prompt[]): void {
  const attrs = { voice: profile.phoneMessages.voice, language: profile.phoneMessages.language } as unknown as SayAttributes;
  for (const p of prompts) {
    if ('say' in p) target.say.call(target, attrs, p.say);
    else target.play.call(target, {}, p.play);
  }
}

export interface StepUrls {
  /** Where a key press (or its absence) goes: the menu handler for the next attempt. */
  menu: string;
  wait: string;
  queueResult: string;
}

export function stepToTwiml(profile: AuthorityProfile, step: IvrStep, urls: StepUrls): string {
  const r = new twilio.twiml.VoiceResponse();
  switch (step.kind) {
    case 'closed':
    case 'hangup':
      speak(r, profile, step.prompts);
      r.hangup();
      break;
    case 'menu':
    case 'retry': {
      const gather = r.gather({ input: ['dtmf'], numDigits: 1, timeout: GATHER_TIMEOUT_SECONDS, action: urls.menu, method: 'POST', actionOnEmptyResult: true });
      speak(gather as unknown as SayTarget, profile, step.prompts);
      break;
    }
    case 'enqueue':
      speak(r, profile, step.prompts);
      r.enqueue({ waitUrl: urls.wait, waitUrlMethod: 'POST', action: urls.queueResult, method: 'POST' }, twilioQueueName(profile.id, step.queue));
      break;
  }
  return r.toString();
}

/** The hold loop: words (and the callback offer as a one-key menu), then music or a pause. */
export function holdTwiml(profile: AuthorityProfile, prompts: Prompt[], offerCallbackUrl: string | null): string {
  const r = new twilio.twiml.VoiceResponse();
  if (offerCallbackUrl) {
    const gather = r.gather({ input: ['dtmf'], numDigits: 1, timeout: 5, action: offerCallbackUrl, method: 'POST' });
    speak(gather as unknown as SayTarget, profile, prompts);
  } else {
    speak(r, profile, prompts);
  }
  if (profile.phoneMessages.holdMusic) r.play({}, profile.phoneMessages.holdMusic);
  else r.pause({ length: 20 });
  return r.toString();
}

export function sayAndThen(profile: AuthorityProfile, prompts: Prompt[], then: 'hangup' | 'leave' | 'nothing'): string {
  const r = new twilio.twiml.VoiceResponse();
  speak(r, profile, prompts);
  if (then === 'hangup') r.hangup();
  if (then === 'leave') r.leave();
  return r.toString();
}

/** For a worker's softphone: connect to the caller at the front of `queue`. */
export function dequeueTwiml(queueName: string, connectedUrl: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.dial().queue({ url: connectedUrl, method: 'POST' }, queueName);
  return r.toString();
}

export function emptyTwiml(): string {
  return new twilio.twiml.VoiceResponse().toString();
}
