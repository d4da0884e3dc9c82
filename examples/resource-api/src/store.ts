/** In-memory data of the example API: projects, datasets and NOMAD-style uploads. */
import { randomBytes, randomUUID } from 'node:crypto';

export interface Project {
  id: string;
  name: string;
  createdAt: string;
  creator: string;
}

export interface Dataset {
  id: string;
  name: string;
  projectId: string;
  createdAt: string;
  creator: string;
}

/** Exactly the fields of an upload in the NOMAD seed, in its order. */
export interface Upload {
  process_running: boolean;
  current_process: string;
  process_status: string;
  last_status_message: string;
  errors: string[];
  warnings: string[];
  complete_time: string;
  upload_id: string;
  upload_name: string;
  upload_create_time: string;
  main_author: string;
  coauthors: string[];
  coauthor_groups: string[];
  reviewers: string[];
  reviewer_groups: string[];
  writers: string[];
  writer_groups: string[];
  viewers: string[];
  viewer_groups: string[];
  published: boolean;
  published_to: string[];
  with_embargo: boolean;
  embargo_length: number;
  license: string;
  entries: number;
  upload_files_server_path: string;
}

/** NOMAD's timestamp style: `2024-07-16T13:57:53.459000` (UTC, microseconds, no zone). */
export const nomadTime = (date: Date = new Date()): string => `${date.toISOString().slice(0, 23)}000`;

export function newUpload(uploadName: string, author: string, now: Date = new Date()): Upload {
  const id = randomBytes(16).toString('base64url'); // 22 characters, like NOMAD's ids
  const time = nomadTime(now);
  return {
    process_running: false,
    current_process: 'process_upload',
    process_status: 'SUCCESS',
    last_status_message: 'Process process_upload completed successfully',
    errors: [],
    warnings: [],
    complete_time: time,
    upload_id: id,
    upload_name: uploadName,
    upload_create_time: time,
    main_author: author,
    coauthors: [],
    coauthor_groups: [],
    reviewers: [],
    reviewer_groups: [],
    writers: [author],
    writer_groups: [],
    viewers: [author],
    viewer_groups: [],
    published: false,
    published_to: [],
    with_embargo: false,
    embargo_length: 0,
    license: 'CC BY 4.0',
    entries: 0,
    upload_files_server_path: `/nomad/prod/fs/staging/${id[0]}/${id}`,
  };
}

export interface Caller {
  readonly sub: string;
  readonly groups: readonly string[];
}

/** An upload is visible to the people and groups in its role lists; a published one to everyone. */
export function isMember(upload: Upload, caller: Caller): boolean {
  const people = [upload.main_author, ...upload.coauthors, ...upload.reviewers, ...upload.writers, ...upload.viewers];
  if (people.includes(caller.sub)) return true;
  const groups = [...upload.coauthor_groups, ...upload.reviewer_groups, ...upload.writer_groups, ...upload.viewer_groups];
  return caller.groups.some((group) => groups.includes(group));
}

export const canSee = (upload: Upload, caller: Caller | undefined): boolean =>
  upload.published || (caller !== undefined && isMember(upload, caller));

export interface Store {
  readonly projects: Map<string, Project>;
  readonly datasets: Map<string, Dataset>;
  readonly uploads: Map<string, Upload>;
}

/** A store with a little seed data: one project, one dataset, one published upload by someone else. */
export function createStore(): Store {
  const createdAt = new Date('2024-07-16T13:57:53.308Z').toISOString();
  const project: Project = { id: 'proj-1', name: 'myProject', createdAt, creator: 'seed' };
  const dataset: Dataset = { id: randomUUID(), name: 'first-dataset', projectId: project.id, createdAt, creator: 'seed' };
  const published = { ...newUpload('FAIRmat_logo.png', 'ebb26223-0cec-4d81-98f5-3b25db945b54'), published: true, entries: 1 };
  return {
    projects: new Map([[project.id, project]]),
    datasets: new Map([[dataset.id, dataset]]),
    uploads: new Map([[published.upload_id, published]]),
  };
}
