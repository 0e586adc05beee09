/**
 * The PEFT settings live in the job contract (server/jobs/peft-config.ts): the admin's round form
 * sends them, checkpoints store them. Re-exported here so model code keeps one local import.
 */
export { ZLoraTarget, ZPeftConfig, type LoraTarget, type PeftConfig } from '../../server/jobs/peft-config';
