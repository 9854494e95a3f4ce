/**
 * /rollouts/new: the creation wizard. Each step checks its own fields (wizard.ts) before "Next";
 * the target step counts the matching devices live as the filter is typed; the review step shows
 * what will be sent and whether the tenant makes the rollout wait for approval. Created, the
 * console opens the rollout's page.
 */
import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Loader,
  NumberInput,
  Paper,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Stepper,
  Switch,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorNote } from '../../components/ErrorNote.js';
import { PageTitle } from '../../components/PageTitle.js';
import { ok } from '../../lib/api.js';
import { describeError } from '../../lib/errors.js';
import { useSession } from '../../lib/session.js';
import { notify } from '../shared/notify.js';
import { DistributionSetSelect } from './DistributionSetSelect.js';
import { useTargetCount } from './queries.js';
import {
  INITIAL_STATE,
  STEPS,
  errorsOfStep,
  stepOf,
  toCreateBody,
  validate,
  type AbortCriterionInput,
  type ActionType,
  type Errors,
  type ExplicitGroup,
  type Num,
  type WizardState,
} from './wizard.js';

const ACTION_TYPES: Array<{ value: ActionType; label: string }> = [
  { value: 'forced', label: 'Forced: install at once' },
  { value: 'soft', label: 'Soft: the device or its user decides when' },
  { value: 'timeforced', label: 'Time-forced: soft, forced from a time on' },
  { value: 'downloadonly', label: 'Download only: no installation' },
];
const FAILURE_TYPES = [
  { value: 'failed', label: 'failed' },
  { value: 'timedOut', label: 'timed out' },
  { value: 'canceled', label: 'cancelled' },
];

const asNum = (v: string | number): Num => (v === '' ? '' : typeof v === 'number' ? v : Number.isNaN(Number(v)) ? '' : Number(v));

type Set = <K extends keyof WizardState>(key: K, value: WizardState[K]) => void;

export function RolloutWizard() {
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [state, setState] = useState<WizardState>(INITIAL_STATE);
  const [step, setStep] = useState(0);
  const [shown, setShown] = useState<Errors>({});
  const set: Set = (key, value) => {
    setState((s) => ({ ...s, [key]: value }));
    // A corrected field loses its message; the others keep theirs until "Next" checks again.
    setShown((e) => (e[key] ? Object.fromEntries(Object.entries(e).filter(([k]) => k !== key)) : e));
  };

  const create = useMutation({
    mutationFn: async () => ok(session.api.POST('/rest/v1/rollouts', { body: toCreateBody(state, Date.now()) })),
    onSuccess: async (rollout) => {
      notify('green', 'Rollout created', `${rollout.name}: ${rollout.totalTargets} targets in ${rollout.totalGroups} groups.`);
      await queryClient.invalidateQueries({ queryKey: ['rollouts'] });
      void navigate(`/rollouts/${rollout.id}`);
    },
  });

  const next = () => {
    const errors = errorsOfStep(validate(state, Date.now()), step);
    setShown(errors);
    if (Object.keys(errors).length === 0) setStep((s) => Math.min(s + 1, STEPS.length - 1));
  };
  const submit = () => {
    const errors = validate(state, Date.now());
    setShown(errors);
    // Something on an earlier step is wrong (e.g. a start time that has passed meanwhile): go there.
    const first = Object.keys(errors)[0];
    if (first) return setStep(stepOf(first));
    create.mutate();
  };

  const err = (field: string) => shown[field];
  const steps: ReactNode[] = [
    <BasicsStep key="basics" state={state} set={set} err={err} />,
    <TargetsStep key="targets" state={state} set={set} err={err} />,
    <GroupsStep key="groups" state={state} set={set} setState={setState} err={err} />,
    <SafetyStep key="safety" state={state} set={set} setState={setState} err={err} />,
    <ReviewStep key="review" state={state} />,
  ];

  return (
    <>
      <PageTitle>New rollout</PageTitle>
      <Text mb="md">
        <Anchor component={Link} to="/rollouts">
          ← All rollouts
        </Anchor>
      </Text>
      <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} allowNextStepsSelect={false} mb="lg" size="sm">
        {STEPS.map((label, i) => (
          <Stepper.Step key={label} label={label} aria-label={`step ${i + 1}: ${label}`}>
            <Paper withBorder p="md" component="section" aria-labelledby={`step-${i}`}>
              <Title order={2} size="h4" mb="sm" id={`step-${i}`}>
                {label}
              </Title>
              {steps[i]}
            </Paper>
          </Stepper.Step>
        ))}
      </Stepper>
      {step === STEPS.length - 1 ? <ErrorNote error={create.error} /> : null}
      <Group justify="space-between">
        <Button variant="default" onClick={() => setStep((s) => Math.max(0, s - 1))} disabled={step === 0}>
          Back
        </Button>
        {step < STEPS.length - 1 ? (
          <Button onClick={next}>Next</Button>
        ) : (
          <Button onClick={submit} loading={create.isPending}>
            Create rollout
          </Button>
        )}
      </Group>
    </>
  );
}

interface StepProps {
  state: WizardState;
  set: Set;
  err: (field: string) => string | undefined;
}

function BasicsStep({ state, set, err }: StepProps) {
  return (
    <Stack>
      <TextInput label="Name" required value={state.name} onChange={(e) => set('name', e.currentTarget.value)} error={err('name')} maxLength={128} />
      <Textarea
        label="Description"
        value={state.description}
        onChange={(e) => set('description', e.currentTarget.value)}
        error={err('description')}
        autosize
        minRows={2}
      />
      <DistributionSetSelect
        label="Distribution set"
        required
        value={state.distributionSetId}
        onChange={(v, label) => {
          set('distributionSetId', v);
          if (v && label) set('setLabels', { ...state.setLabels, [v]: label });
        }}
        error={err('distributionSetId')}
        description="The software every target of the rollout gets."
      />
      <Select label="Action type" data={ACTION_TYPES} value={state.type} onChange={(v) => v && set('type', v as ActionType)} allowDeselect={false} />
      {state.type === 'timeforced' ? (
        <TextInput
          type="datetime-local"
          label="Forced from"
          description="Your local time."
          value={state.forcetime}
          onChange={(e) => set('forcetime', e.currentTarget.value)}
          error={err('forcetime')}
        />
      ) : null}
      <NumberInput
        label="Weight"
        description="0–1000: with several open actions, a device takes the heaviest first. Empty: none."
        min={0}
        max={1000}
        allowDecimal={false}
        value={state.weight}
        onChange={(v) => set('weight', asNum(v))}
        error={err('weight')}
      />
      <Switch
        label="Devices ask their user to confirm before installing"
        checked={state.confirmationRequired}
        onChange={(e) => set('confirmationRequired', e.currentTarget.checked)}
      />
    </Stack>
  );
}

function TargetsStep({ state, set, err }: StepProps) {
  const session = useSession();
  const filters = useQuery({
    queryKey: ['targetfilters', 'wizard'],
    queryFn: async () => (await ok(session.api.GET('/rest/v1/targetfilters', { params: { query: { limit: '100', sort: 'name:ASC' } } }))).content,
    enabled: session.can('READ_TARGET'),
  });
  const count = useTargetCount(state.targetFilterQuery);
  const countError = count.error ? describeError(count.error).message : undefined;
  return (
    <Stack>
      <Select
        label="Start from a saved filter"
        placeholder={filters.isPending ? 'Loading saved filters…' : 'None'}
        data={(filters.data ?? []).map((f) => ({ value: String(f.id), label: `${f.name} (${f.query})` }))}
        searchable
        clearable
        value={null}
        onChange={(v) => {
          const filter = filters.data?.find((f) => String(f.id) === v);
          if (filter) set('targetFilterQuery', filter.query);
        }}
        error={filters.error ? describeError(filters.error).message : undefined}
        description="Copies the filter's query into the field below."
      />
      <Textarea
        label="Target filter (RSQL)"
        required
        description={
          <>
            e.g. <Code>name==gw*</Code> or <Code>attribute.hw_rev==2 and tag==field</Code>
          </>
        }
        autosize
        minRows={2}
        value={state.targetFilterQuery}
        onChange={(e) => set('targetFilterQuery', e.currentTarget.value)}
        error={err('targetFilterQuery') ?? countError}
        spellCheck={false}
      />
      <Group gap="xs" aria-live="polite" data-testid="target-count">
        {state.targetFilterQuery.trim() === '' ? (
          <Text c="dimmed">Enter a filter to see how many devices it matches.</Text>
        ) : count.pending ? (
          <>
            <Loader size="xs" aria-label="counting" />
            <Text c="dimmed">Counting matching devices…</Text>
          </>
        ) : count.error ? (
          <Text c="red">The filter matches nothing until it is corrected.</Text>
        ) : count.data !== undefined ? (
          <Text fw={600}>
            {count.data.toLocaleString()} matching {count.data === 1 ? 'device' : 'devices'}
          </Text>
        ) : null}
      </Group>
      {count.data === 0 && !count.pending && !count.error ? (
        <Alert color="yellow" styles={{ title: { color: 'var(--mantine-color-text)' } }}>
          No device matches this filter now. The rollout would be empty unless it is dynamic (next step).
        </Alert>
      ) : null}
    </Stack>
  );
}

interface ListStepProps extends StepProps {
  setState: (update: (s: WizardState) => WizardState) => void;
}

function GroupsStep({ state, set, setState, err }: ListStepProps) {
  const updateGroup = (i: number, patch: Partial<ExplicitGroup>) =>
    setState((s) => ({ ...s, groups: s.groups.map((g, j) => (j === i ? { ...g, ...patch } : g)) }));
  return (
    <Stack>
      <SegmentedControl
        aria-label="How to form the groups"
        value={state.groupMode}
        onChange={(v) => set('groupMode', v as WizardState['groupMode'])}
        data={[
          { value: 'count', label: 'Split evenly' },
          { value: 'explicit', label: 'Define groups' },
        ]}
      />
      {state.groupMode === 'count' ? (
        <NumberInput
          label="Number of groups"
          description="The matching targets are split into this many groups of about the same size, started one after another."
          min={1}
          max={500}
          allowDecimal={false}
          value={state.amountGroups}
          onChange={(v) => set('amountGroups', asNum(v))}
          error={err('amountGroups')}
        />
      ) : (
        <Stack gap="xs">
          <Text size="sm">
            Each group takes its percentage of the targets not yet in an earlier group, narrowed by its own filter (ANDed with the rollout&apos;s).
          </Text>
          {err('groups') ? (
            <Text c="red" size="sm" role="alert">
              {err('groups')}
            </Text>
          ) : null}
          {state.groups.map((g, i) => (
            <Group key={i} align="flex-start" wrap="nowrap">
              <TextInput
                label={`Group ${i + 1} name`}
                value={g.name}
                onChange={(e) => updateGroup(i, { name: e.currentTarget.value })}
                error={err(`groups.${i}.name`)}
              />
              <TextInput
                label={`Group ${i + 1} filter`}
                placeholder="all of the rollout's"
                value={g.targetFilterQuery}
                onChange={(e) => updateGroup(i, { targetFilterQuery: e.currentTarget.value })}
                error={err(`groups.${i}.targetFilterQuery`)}
                style={{ flex: 1 }}
              />
              <NumberInput
                label={`Group ${i + 1} percentage`}
                min={0}
                max={100}
                suffix=" %"
                value={g.targetPercentage}
                onChange={(v) => updateGroup(i, { targetPercentage: asNum(v) })}
                error={err(`groups.${i}.targetPercentage`)}
                w={150}
              />
              <ActionIcon
                variant="subtle"
                color="red.9"
                mt={28}
                aria-label={`Remove group ${i + 1}`}
                onClick={() => setState((s) => ({ ...s, groups: s.groups.filter((_, j) => j !== i) }))}
              >
                ✕
              </ActionIcon>
            </Group>
          ))}
          <Button
            variant="light"
            w="fit-content"
            onClick={() =>
              setState((s) => ({ ...s, groups: [...s.groups, { name: `group ${s.groups.length + 1}`, targetFilterQuery: '', targetPercentage: 100 }] }))
            }
          >
            Add group
          </Button>
        </Stack>
      )}
      <Group grow align="flex-start">
        <NumberInput
          label="Success threshold"
          description="When this share of a group succeeded…"
          min={0}
          max={100}
          suffix=" %"
          allowDecimal={false}
          value={state.successThreshold}
          onChange={(v) => set('successThreshold', asNum(v))}
          error={err('successThreshold')}
        />
        <Select
          label="Then"
          data={[
            { value: 'NEXTGROUP', label: 'start the next group' },
            { value: 'PAUSE', label: 'pause the rollout' },
          ]}
          value={state.successAction}
          onChange={(v) => v && set('successAction', v as WizardState['successAction'])}
          allowDeselect={false}
        />
        <NumberInput
          label="Error threshold"
          description="When this share of a group failed, the rollout pauses."
          min={0}
          max={100}
          suffix=" %"
          allowDecimal={false}
          value={state.errorThreshold}
          onChange={(v) => set('errorThreshold', asNum(v))}
          error={err('errorThreshold')}
        />
      </Group>
      <Switch
        label="Dynamic: devices that match the filter later join the rollout in new groups"
        checked={state.dynamic}
        onChange={(e) => set('dynamic', e.currentTarget.checked)}
      />
      {state.dynamic ? (
        <NumberInput
          label="Devices per dynamic group"
          min={1}
          max={20000}
          allowDecimal={false}
          value={state.dynamicTargetCount}
          onChange={(v) => set('dynamicTargetCount', asNum(v))}
          error={err('dynamicTargetCount')}
        />
      ) : null}
    </Stack>
  );
}

function SafetyStep({ state, set, setState, err }: ListStepProps) {
  const updateCriterion = (i: number, patch: Partial<AbortCriterionInput>) =>
    setState((s) => ({ ...s, abortCriteria: s.abortCriteria.map((c, j) => (j === i ? { ...c, ...patch } : c)) }));
  return (
    <Stack>
      <Switch label="Limit the rate" checked={state.rateLimit} onChange={(e) => set('rateLimit', e.currentTarget.checked)} />
      {state.rateLimit ? (
        <Stack gap="xs" pl="lg">
          <NumberInput
            label="Most devices started per minute"
            min={1}
            allowDecimal={false}
            value={state.maxPerMinute}
            onChange={(v) => set('maxPerMinute', asNum(v))}
            error={err('maxPerMinute')}
          />
          <Switch label="Start slower and speed up as devices succeed" checked={state.growth} onChange={(e) => set('growth', e.currentTarget.checked)} />
          {state.growth ? (
            <Group grow align="flex-start">
              <NumberInput
                label="Starting rate per minute"
                min={1}
                allowDecimal={false}
                value={state.baseRatePerMinute}
                onChange={(v) => set('baseRatePerMinute', asNum(v))}
                error={err('baseRatePerMinute')}
              />
              <NumberInput
                label="Multiply the rate by"
                min={1}
                max={5}
                step={0.5}
                decimalScale={2}
                value={state.incrementFactor}
                onChange={(v) => set('incrementFactor', asNum(v))}
                error={err('incrementFactor')}
              />
              <NumberInput
                label="Each time this many more succeeded"
                min={1}
                allowDecimal={false}
                value={state.whenSucceededCount}
                onChange={(v) => set('whenSucceededCount', asNum(v))}
                error={err('whenSucceededCount')}
              />
            </Group>
          ) : null}
        </Stack>
      ) : null}

      <Stack gap="xs">
        <Text fw={600} size="sm">
          Abort criteria
        </Text>
        <Text size="sm" c="dimmed">
          The rollout stops (and rolls back, if a rollback set is chosen) once at least the given number of devices finished and at least the given share of
          them ended so.
        </Text>
        {err('abortCriteria') ? (
          <Text c="red" size="sm" role="alert">
            {err('abortCriteria')}
          </Text>
        ) : null}
        {state.abortCriteria.map((c, i) => (
          <Group key={i} align="flex-start" wrap="nowrap">
            <Select
              label={`Criterion ${i + 1}: devices that`}
              data={FAILURE_TYPES}
              value={c.failureType}
              onChange={(v) => v && updateCriterion(i, { failureType: v as AbortCriterionInput['failureType'] })}
              allowDeselect={false}
            />
            <NumberInput
              label={`Criterion ${i + 1}: at least`}
              suffix=" %"
              min={0}
              max={100}
              value={c.thresholdPercentage}
              onChange={(v) => updateCriterion(i, { thresholdPercentage: asNum(v) })}
              error={err(`abortCriteria.${i}.thresholdPercentage`)}
            />
            <NumberInput
              label={`Criterion ${i + 1}: of at least … finished`}
              min={1}
              allowDecimal={false}
              value={c.minExecutedCount}
              onChange={(v) => updateCriterion(i, { minExecutedCount: asNum(v) })}
              error={err(`abortCriteria.${i}.minExecutedCount`)}
            />
            <ActionIcon
              variant="subtle"
              color="red.9"
              mt={28}
              aria-label={`Remove criterion ${i + 1}`}
              onClick={() => setState((s) => ({ ...s, abortCriteria: s.abortCriteria.filter((_, j) => j !== i) }))}
            >
              ✕
            </ActionIcon>
          </Group>
        ))}
        <Button
          variant="light"
          w="fit-content"
          disabled={state.abortCriteria.length >= 10}
          onClick={() =>
            setState((s) => ({ ...s, abortCriteria: [...s.abortCriteria, { failureType: 'failed', minExecutedCount: 10, thresholdPercentage: 20 }] }))
          }
        >
          Add abort criterion
        </Button>
        <DistributionSetSelect
          label="Rollback set"
          description="Deployed to the devices the rollout reached when an abort criterion is met."
          clearable
          value={state.rollbackDistributionSetId}
          onChange={(v, label) => {
            set('rollbackDistributionSetId', v);
            if (v && label) set('setLabels', { ...state.setLabels, [v]: label });
          }}
          error={err('rollbackDistributionSetId')}
        />
      </Stack>

      <NumberInput
        label="Retries per failed device"
        description="0–10; 0: a failed install stays failed."
        min={0}
        max={10}
        allowDecimal={false}
        value={state.maxRetries}
        onChange={(v) => set('maxRetries', asNum(v))}
        error={err('maxRetries')}
      />

      <Radio.Group label="Start" value={state.startMode} onChange={(v) => set('startMode', v as WizardState['startMode'])}>
        <Stack gap={6} mt={6}>
          <Radio value="manual" label="When someone presses Start on the rollout's page" />
          <Radio value="now" label="As soon as it is ready" />
          <Radio value="at" label="At a time" />
        </Stack>
      </Radio.Group>
      {state.startMode === 'at' ? (
        <TextInput
          type="datetime-local"
          label="Start at"
          description="Your local time."
          value={state.startAt}
          onChange={(e) => set('startAt', e.currentTarget.value)}
          error={err('startAt')}
        />
      ) : null}

      <Switch label="Install only inside a maintenance window" checked={state.maintenance} onChange={(e) => set('maintenance', e.currentTarget.checked)} />
      {state.maintenance ? (
        <Group grow align="flex-start" pl="lg">
          <TextInput
            label="Window opens (cron)"
            description="Seconds first: 0 0 2 ? * * is 02:00 every day."
            value={state.maintenanceSchedule}
            onChange={(e) => set('maintenanceSchedule', e.currentTarget.value)}
            error={err('maintenanceSchedule')}
          />
          <TextInput
            label="Window lasts (HH:MM:SS)"
            value={state.maintenanceDuration}
            onChange={(e) => set('maintenanceDuration', e.currentTarget.value)}
            error={err('maintenanceDuration')}
          />
          <TextInput
            label="Timezone"
            description="e.g. Europe/Berlin or +01:00"
            value={state.maintenanceTimezone}
            onChange={(e) => set('maintenanceTimezone', e.currentTarget.value)}
            error={err('maintenanceTimezone')}
          />
        </Group>
      ) : null}
    </Stack>
  );
}

function ReviewStep({ state }: { state: WizardState }) {
  const session = useSession();
  const count = useTargetCount(state.targetFilterQuery, 0);
  // Four-eyes is the tenant's setting, not the rollout's: say what will happen.
  const config = useQuery({
    queryKey: ['config'],
    queryFn: async () => ok(session.api.GET('/rest/v1/system/configs')),
    enabled: session.can('READ_TENANT_CONFIGURATION'),
  });
  const approval = (config.data as Record<string, { value: unknown }> | undefined)?.['rollout.approval.enabled']?.value;
  const rows = useMemo(() => summary(state), [state]);
  return (
    <Stack>
      <Table>
        <Table.Tbody>
          {rows.map(([what, value]) => (
            <Table.Tr key={what}>
              <Table.Th scope="row" w={220}>
                {what}
              </Table.Th>
              <Table.Td>{value}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Th scope="row">Matching devices now</Table.Th>
            <Table.Td>{count.pending ? 'counting…' : count.error ? describeError(count.error).message : (count.data?.toLocaleString() ?? '—')}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {approval === true ? (
        <Alert color="yellow" styles={{ title: { color: 'var(--mantine-color-text)' } }} title="Approval needed">
          This tenant requires four-eyes approval: the rollout waits until someone else with the permission APPROVE_ROLLOUT approves it.
        </Alert>
      ) : approval === false ? (
        <Text size="sm" c="dimmed">
          This tenant does not require approval: the rollout is ready once its groups are filled.
        </Text>
      ) : null}
    </Stack>
  );
}

function summary(s: WizardState): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Name', s.name],
    ['Distribution set', s.distributionSetId ? (s.setLabels[s.distributionSetId] ?? `set ${s.distributionSetId}`) : '—'],
    ['Action type', ACTION_TYPES.find((t) => t.value === s.type)?.label ?? s.type],
    ['Target filter', s.targetFilterQuery],
    ['Groups', s.groupMode === 'count' ? `${s.amountGroups} evenly split` : s.groups.map((g) => `${g.name} (${g.targetPercentage} %)`).join(', ')],
    ['Thresholds', `${s.successAction === 'NEXTGROUP' ? 'next group' : 'pause'} at ${s.successThreshold} % success; pause at ${s.errorThreshold} % errors`],
    [
      'Rate limit',
      s.rateLimit
        ? `${s.maxPerMinute} per minute${s.growth ? `, from ${s.baseRatePerMinute} ×${s.incrementFactor} per ${s.whenSucceededCount} succeeded` : ''}`
        : 'none',
    ],
    [
      'Abort criteria',
      s.abortCriteria.length ? s.abortCriteria.map((c) => `${c.thresholdPercentage} % ${c.failureType} of ≥ ${c.minExecutedCount}`).join('; ') : 'none',
    ],
    ['Rollback set', s.rollbackDistributionSetId ? (s.setLabels[s.rollbackDistributionSetId] ?? `set ${s.rollbackDistributionSetId}`) : 'none'],
    ['Retries', String(s.maxRetries)],
    ['Start', s.startMode === 'manual' ? 'by hand (Start)' : s.startMode === 'now' ? 'as soon as ready' : new Date(s.startAt).toLocaleString()],
    ['Maintenance window', s.maintenance ? `${s.maintenanceSchedule} for ${s.maintenanceDuration} (${s.maintenanceTimezone})` : 'none'],
  ];
  if (s.dynamic) rows.push(['Dynamic', `new devices join in groups of ${s.dynamicTargetCount}`]);
  return rows;
}
