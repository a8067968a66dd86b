/**
 * GitHub's GraphQL schema, the part the `gh` CLI's repo, issue and pull request commands and
 * `octokit.graphql` users read: names and types as in GitHub's public schema, so their
 * queries validate unchanged. Node ids are the REST `node_id`s.
 */
export const GITHUB_SDL = /* GraphQL */ `
scalar DateTime
scalar URI
scalar GitObjectID
scalar HTML
scalar GitTimestamp

interface Node { id: ID! }
interface Actor { login: String! avatarUrl(size: Int): URI! url: URI! resourcePath: URI! }
interface RepositoryOwner { id: ID! login: String! avatarUrl(size: Int): URI! url: URI! resourcePath: URI! }
interface GitObject { id: ID! oid: GitObjectID! abbreviatedOid: String! commitUrl: URI! repository: Repository! }
interface Comment { id: ID! body: String! author: Actor createdAt: DateTime! }

type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

type User implements Node & Actor & RepositoryOwner {
  id: ID! databaseId: Int login: String! name: String email: String! company: String bio: String location: String
  avatarUrl(size: Int): URI! url: URI! resourcePath: URI! createdAt: DateTime! websiteUrl: URI isSiteAdmin: Boolean!
  repositories(first: Int, after: String, last: Int, before: String, ownerAffiliations: [RepositoryAffiliation], privacy: RepositoryPrivacy): RepositoryConnection!
  organizations(first: Int, after: String): OrganizationConnection!
}
type Bot implements Node & Actor { id: ID! databaseId: Int login: String! avatarUrl(size: Int): URI! url: URI! resourcePath: URI! createdAt: DateTime! }
type Organization implements Node & Actor & RepositoryOwner {
  id: ID! databaseId: Int login: String! name: String email: String description: String
  avatarUrl(size: Int): URI! url: URI! resourcePath: URI! createdAt: DateTime!
  repositories(first: Int, after: String, last: Int, before: String, privacy: RepositoryPrivacy): RepositoryConnection!
  membersWithRole(first: Int, after: String): UserConnection!
}
type OrganizationConnection { totalCount: Int! nodes: [Organization] edges: [OrganizationEdge] pageInfo: PageInfo! }
type OrganizationEdge { node: Organization cursor: String! }
type UserConnection { totalCount: Int! nodes: [User] edges: [UserEdge] pageInfo: PageInfo! }
type UserEdge { node: User cursor: String! }

enum RepositoryAffiliation { OWNER COLLABORATOR ORGANIZATION_MEMBER }
enum RepositoryPrivacy { PUBLIC PRIVATE }
enum RepositoryVisibility { PUBLIC PRIVATE INTERNAL }
enum RepositoryPermission { ADMIN MAINTAIN WRITE TRIAGE READ }
enum IssueState { OPEN CLOSED }
enum IssueStateReason { COMPLETED NOT_PLANNED REOPENED DUPLICATE }
enum IssueClosedStateReason { COMPLETED NOT_PLANNED DUPLICATE }
enum PullRequestState { OPEN CLOSED MERGED }
enum MergeableState { MERGEABLE CONFLICTING UNKNOWN }
enum MergeStateStatus { BEHIND BLOCKED CLEAN DIRTY DRAFT HAS_HOOKS UNKNOWN UNSTABLE }
enum PullRequestMergeMethod { MERGE SQUASH REBASE }
enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }
enum PullRequestReviewDecision { CHANGES_REQUESTED APPROVED REVIEW_REQUIRED }
enum CommentAuthorAssociation { MEMBER OWNER MANNEQUIN COLLABORATOR CONTRIBUTOR FIRST_TIME_CONTRIBUTOR FIRST_TIMER NONE }
enum LockReason { OFF_TOPIC TOO_HEATED RESOLVED SPAM }
enum MilestoneState { OPEN CLOSED }
enum OrderDirection { ASC DESC }
enum IssueOrderField { CREATED_AT UPDATED_AT COMMENTS }
enum SearchType { ISSUE REPOSITORY USER DISCUSSION ISSUE_ADVANCED }
enum StatusState { ERROR EXPECTED FAILURE PENDING SUCCESS }
enum ReactionContent { THUMBS_UP THUMBS_DOWN LAUGH HOORAY CONFUSED HEART ROCKET EYES }
enum SubscriptionState { UNSUBSCRIBED SUBSCRIBED IGNORED }
input IssueOrder { field: IssueOrderField! direction: OrderDirection! }
input IssueFilters { assignee: String createdBy: String labels: [String!] mentioned: String milestone: String milestoneNumber: String since: DateTime states: [IssueState!] viewerSubscribed: Boolean }

type Repository implements Node {
  id: ID! databaseId: Int name: String! nameWithOwner: String! owner: RepositoryOwner! description: String descriptionHTML: HTML!
  url: URI! sshUrl: String! resourcePath: URI! homepageUrl: URI isPrivate: Boolean! visibility: RepositoryVisibility! isFork: Boolean! isArchived: Boolean!
  isTemplate: Boolean! isEmpty: Boolean! isMirror: Boolean! isInOrganization: Boolean! isLocked: Boolean! isDisabled: Boolean!
  createdAt: DateTime! updatedAt: DateTime! pushedAt: DateTime
  defaultBranchRef: Ref hasIssuesEnabled: Boolean! hasWikiEnabled: Boolean! hasProjectsEnabled: Boolean! hasDiscussionsEnabled: Boolean!
  viewerPermission: RepositoryPermission viewerCanAdminister: Boolean! viewerHasStarred: Boolean! viewerSubscription: SubscriptionState
  viewerDefaultMergeMethod: PullRequestMergeMethod! viewerCanUpdateTopics: Boolean!
  stargazerCount: Int! forkCount: Int! watchers(first: Int): UserConnection! stargazers(first: Int): UserConnection!
  mergeCommitAllowed: Boolean! squashMergeAllowed: Boolean! rebaseMergeAllowed: Boolean! deleteBranchOnMerge: Boolean! autoMergeAllowed: Boolean!
  primaryLanguage: Language languages(first: Int): LanguageConnection licenseInfo: License parent: Repository templateRepository: Repository
  repositoryTopics(first: Int, after: String): RepositoryTopicConnection!
  issues(first: Int, after: String, last: Int, before: String, states: [IssueState!], labels: [String!], orderBy: IssueOrder, filterBy: IssueFilters): IssueConnection!
  issue(number: Int!): Issue
  issueOrPullRequest(number: Int!): IssueOrPullRequest
  pullRequests(first: Int, after: String, last: Int, before: String, states: [PullRequestState!], labels: [String!], headRefName: String, baseRefName: String, orderBy: IssueOrder): PullRequestConnection!
  pullRequest(number: Int!): PullRequest
  labels(first: Int, after: String, last: Int, before: String, query: String, orderBy: LabelOrder): LabelConnection
  label(name: String!): Label
  milestones(first: Int, after: String, last: Int, before: String, states: [MilestoneState!], query: String): MilestoneConnection
  milestone(number: Int!): Milestone
  refs(refPrefix: String!, first: Int, after: String, last: Int, before: String, query: String, direction: OrderDirection): RefConnection
  ref(qualifiedName: String!): Ref
  object(expression: String, oid: GitObjectID): GitObject
  assignableUsers(first: Int, after: String, query: String): UserConnection!
  mentionableUsers(first: Int, after: String, query: String): UserConnection!
  collaborators(first: Int, after: String, query: String): UserConnection
  latestRelease: Release
  releases(first: Int, after: String): ReleaseConnection!
}
input LabelOrder { field: String! direction: OrderDirection! }
type Language { id: ID! name: String! color: String }
type LanguageConnection { totalCount: Int! nodes: [Language] edges: [LanguageEdge] }
type LanguageEdge { node: Language! size: Int! }
type License { id: ID! key: String! name: String! nickname: String spdxId: String }
type RepositoryConnection { totalCount: Int! nodes: [Repository] edges: [RepositoryEdge] pageInfo: PageInfo! }
type RepositoryEdge { node: Repository cursor: String! }
type RepositoryTopicConnection { totalCount: Int! nodes: [RepositoryTopic] }
type RepositoryTopic { id: ID! topic: Topic! url: URI! }
type Topic { id: ID! name: String! }
type Release { id: ID! databaseId: Int name: String tagName: String! description: String isDraft: Boolean! isPrerelease: Boolean! isLatest: Boolean! createdAt: DateTime! publishedAt: DateTime url: URI! author: User }
type ReleaseConnection { totalCount: Int! nodes: [Release] pageInfo: PageInfo! }

union IssueOrPullRequest = Issue | PullRequest
union Assignee = User | Bot
union RequestedReviewer = User | Bot | Team
type Team implements Node { id: ID! name: String! slug: String! organization: Organization! }
union SearchResultItem = Issue | PullRequest | Repository | User | Organization

type Issue implements Node & Comment {
  id: ID! databaseId: Int number: Int! title: String! body: String! bodyText: String! bodyHTML: HTML! url: URI! resourcePath: URI!
  state: IssueState! stateReason: IssueStateReason closed: Boolean! closedAt: DateTime createdAt: DateTime! updatedAt: DateTime! lastEditedAt: DateTime
  author: Actor authorAssociation: CommentAuthorAssociation! editor: Actor
  locked: Boolean! activeLockReason: LockReason repository: Repository!
  labels(first: Int, after: String, last: Int, before: String): LabelConnection
  assignees(first: Int, after: String, last: Int, before: String): UserConnection!
  milestone: Milestone
  comments(first: Int, after: String, last: Int, before: String): IssueCommentConnection!
  participants(first: Int): UserConnection!
  reactionGroups: [ReactionGroup!]
  projectCards(first: Int): ProjectCardConnection!
  projectItems(first: Int): ProjectV2ItemConnection!
  viewerCanUpdate: Boolean! viewerCanReact: Boolean! viewerDidAuthor: Boolean! viewerSubscription: SubscriptionState
  isPinned: Boolean
}
type PullRequest implements Node & Comment {
  id: ID! databaseId: Int number: Int! title: String! body: String! bodyText: String! bodyHTML: HTML! url: URI! resourcePath: URI!
  state: PullRequestState! closed: Boolean! closedAt: DateTime createdAt: DateTime! updatedAt: DateTime! lastEditedAt: DateTime
  author: Actor authorAssociation: CommentAuthorAssociation! editor: Actor
  locked: Boolean! activeLockReason: LockReason repository: Repository!
  labels(first: Int, after: String, last: Int, before: String): LabelConnection
  assignees(first: Int, after: String, last: Int, before: String): UserConnection!
  milestone: Milestone
  comments(first: Int, after: String, last: Int, before: String): IssueCommentConnection!
  participants(first: Int): UserConnection!
  reactionGroups: [ReactionGroup!]
  projectCards(first: Int): ProjectCardConnection!
  projectItems(first: Int): ProjectV2ItemConnection!
  viewerCanUpdate: Boolean! viewerCanReact: Boolean! viewerDidAuthor: Boolean! viewerSubscription: SubscriptionState
  headRefName: String! headRefOid: GitObjectID! headRef: Ref headRepository: Repository headRepositoryOwner: RepositoryOwner
  baseRefName: String! baseRefOid: GitObjectID! baseRef: Ref baseRepository: Repository
  isCrossRepository: Boolean! isDraft: Boolean! maintainerCanModify: Boolean!
  merged: Boolean! mergedAt: DateTime mergedBy: Actor mergeCommit: Commit potentialMergeCommit: Commit
  mergeable: MergeableState! mergeStateStatus: MergeStateStatus! canBeRebased: Boolean!
  additions: Int! deletions: Int! changedFiles: Int!
  commits(first: Int, after: String, last: Int, before: String): PullRequestCommitConnection!
  files(first: Int, after: String): PullRequestChangedFileConnection
  reviews(first: Int, after: String, last: Int, before: String, states: [PullRequestReviewState!]): PullRequestReviewConnection
  latestReviews(first: Int, after: String, last: Int): PullRequestReviewConnection
  latestOpinionatedReviews(first: Int, after: String, last: Int, writersOnly: Boolean): PullRequestReviewConnection
  reviewRequests(first: Int, after: String, last: Int): ReviewRequestConnection
  reviewDecision: PullRequestReviewDecision
  autoMergeRequest: AutoMergeRequest
  statusCheckRollup: StatusCheckRollup
  viewerMergeHeadlineText(mergeType: PullRequestMergeMethod): String!
  viewerMergeBodyText(mergeType: PullRequestMergeMethod): String!
  viewerCanEnableAutoMerge: Boolean! viewerCanDisableAutoMerge: Boolean!
  isInMergeQueue: Boolean! isMergeQueueEnabled: Boolean!
  closingIssuesReferences(first: Int): IssueConnection
}
type AutoMergeRequest { enabledAt: DateTime mergeMethod: PullRequestMergeMethod! }
type ReactionGroup { content: ReactionContent! users(first: Int): ReactingUserConnection! viewerHasReacted: Boolean! }
type ReactingUserConnection { totalCount: Int! }
type ProjectCardConnection { totalCount: Int! nodes: [ProjectCard] }
type ProjectCard { id: ID! project: Project! column: ProjectColumn }
type Project { id: ID! name: String! }
type ProjectColumn { id: ID! name: String! }
type ProjectV2ItemConnection { totalCount: Int! nodes: [ProjectV2Item] }
type ProjectV2Item { id: ID! }
type IssueConnection { totalCount: Int! nodes: [Issue] edges: [IssueEdge] pageInfo: PageInfo! }
type IssueEdge { node: Issue cursor: String! }
type PullRequestConnection { totalCount: Int! nodes: [PullRequest] edges: [PullRequestEdge] pageInfo: PageInfo! }
type PullRequestEdge { node: PullRequest cursor: String! }
type IssueComment implements Node & Comment {
  id: ID! databaseId: Int body: String! bodyText: String! bodyHTML: HTML! url: URI! author: Actor authorAssociation: CommentAuthorAssociation!
  createdAt: DateTime! updatedAt: DateTime! lastEditedAt: DateTime includesCreatedEdit: Boolean! isMinimized: Boolean! minimizedReason: String
  reactionGroups: [ReactionGroup!] viewerDidAuthor: Boolean! issue: Issue! pullRequest: PullRequest
}
type IssueCommentConnection { totalCount: Int! nodes: [IssueComment] edges: [IssueCommentEdge] pageInfo: PageInfo! }
type IssueCommentEdge { node: IssueComment cursor: String! }
type Label implements Node { id: ID! name: String! color: String! description: String url: URI! isDefault: Boolean! }
type LabelConnection { totalCount: Int! nodes: [Label] edges: [LabelEdge] pageInfo: PageInfo! }
type LabelEdge { node: Label cursor: String! }
type Milestone implements Node { id: ID! number: Int! title: String! description: String state: MilestoneState! dueOn: DateTime url: URI! closed: Boolean! progressPercentage: Float! }
type MilestoneConnection { totalCount: Int! nodes: [Milestone] edges: [MilestoneEdge] pageInfo: PageInfo! }
type MilestoneEdge { node: Milestone cursor: String! }
type Ref implements Node { id: ID! name: String! prefix: String! target: GitObject repository: Repository! }
type RefConnection { totalCount: Int! nodes: [Ref] edges: [RefEdge] pageInfo: PageInfo! }
type RefEdge { node: Ref cursor: String! }
type GitActor { name: String email: String date: GitTimestamp user: User avatarUrl(size: Int): URI! }
type Commit implements Node & GitObject {
  id: ID! oid: GitObjectID! abbreviatedOid: String! commitUrl: URI! url: URI! repository: Repository!
  message: String! messageHeadline: String! messageBody: String! committedDate: DateTime! authoredDate: DateTime!
  author: GitActor committer: GitActor authors(first: Int): GitActorConnection!
  tree: Tree! parents(first: Int): CommitConnection! history(first: Int, after: String, path: String): CommitHistoryConnection!
  additions: Int! deletions: Int! changedFilesIfAvailable: Int
  statusCheckRollup: StatusCheckRollup status: Status
}
type GitActorConnection { totalCount: Int! nodes: [GitActor] }
type CommitConnection { totalCount: Int! nodes: [Commit] pageInfo: PageInfo! }
type CommitHistoryConnection { totalCount: Int! nodes: [Commit] edges: [CommitEdge] pageInfo: PageInfo! }
type CommitEdge { node: Commit cursor: String! }
type Tree implements Node & GitObject { id: ID! oid: GitObjectID! abbreviatedOid: String! commitUrl: URI! repository: Repository! entries: [TreeEntry!] }
type TreeEntry { name: String! path: String type: String! mode: Int! oid: GitObjectID! object: GitObject }
type Blob implements Node & GitObject { id: ID! oid: GitObjectID! abbreviatedOid: String! commitUrl: URI! repository: Repository! text: String byteSize: Int! isBinary: Boolean isTruncated: Boolean! }
type Status { state: StatusState! contexts: [StatusContext!]! }
type StatusContext { id: ID! context: String! state: StatusState! description: String targetUrl: URI createdAt: DateTime! }
type StatusCheckRollup { state: StatusState! contexts(first: Int, after: String): StatusCheckRollupContextConnection! }
union StatusCheckRollupContext = StatusContext | CheckRun
type CheckRun implements Node { id: ID! databaseId: Int name: String! status: String! conclusion: String startedAt: DateTime completedAt: DateTime detailsUrl: URI url: URI! checkSuite: CheckSuite }
type CheckSuite { id: ID! workflowRun: WorkflowRun }
type WorkflowRun { id: ID! workflow: Workflow! }
type Workflow { id: ID! name: String! }
type StatusCheckRollupContextConnection { totalCount: Int! nodes: [StatusCheckRollupContext] pageInfo: PageInfo! }
type PullRequestCommit { id: ID! commit: Commit! url: URI! }
type PullRequestCommitConnection { totalCount: Int! nodes: [PullRequestCommit] edges: [PullRequestCommitEdge] pageInfo: PageInfo! }
type PullRequestCommitEdge { node: PullRequestCommit cursor: String! }
type PullRequestChangedFile { path: String! additions: Int! deletions: Int! changeType: String! }
type PullRequestChangedFileConnection { totalCount: Int! nodes: [PullRequestChangedFile] pageInfo: PageInfo! }
type PullRequestReview implements Node & Comment {
  id: ID! databaseId: Int author: Actor authorAssociation: CommentAuthorAssociation! body: String! state: PullRequestReviewState!
  submittedAt: DateTime createdAt: DateTime! url: URI! commit: Commit reactionGroups: [ReactionGroup!] includesCreatedEdit: Boolean!
}
type PullRequestReviewConnection { totalCount: Int! nodes: [PullRequestReview] edges: [PullRequestReviewEdge] pageInfo: PageInfo! }
type PullRequestReviewEdge { node: PullRequestReview cursor: String! }
type ReviewRequest { id: ID! requestedReviewer: RequestedReviewer asCodeOwner: Boolean! }
type ReviewRequestConnection { totalCount: Int! nodes: [ReviewRequest] pageInfo: PageInfo! }
type RateLimit { limit: Int! cost: Int! remaining: Int! resetAt: DateTime! used: Int! nodeCount: Int! }
type SearchResultItemConnection { issueCount: Int! repositoryCount: Int! userCount: Int! codeCount: Int! nodes: [SearchResultItem] edges: [SearchResultItemEdge] pageInfo: PageInfo! }
type SearchResultItemEdge { node: SearchResultItem cursor: String! }

type Query {
  viewer: User!
  repository(owner: String!, name: String!, followRenames: Boolean): Repository
  repositoryOwner(login: String!): RepositoryOwner
  user(login: String!): User
  organization(login: String!): Organization
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  search(query: String!, type: SearchType!, first: Int, after: String, last: Int, before: String): SearchResultItemConnection!
  rateLimit(dryRun: Boolean): RateLimit
}

input CreateIssueInput { repositoryId: ID! title: String! body: String assigneeIds: [ID!] labelIds: [ID!] milestoneId: ID projectIds: [ID!] issueTemplate: String clientMutationId: String }
type CreateIssuePayload { issue: Issue clientMutationId: String }
input UpdateIssueInput { id: ID! title: String body: String assigneeIds: [ID!] labelIds: [ID!] milestoneId: ID state: IssueState clientMutationId: String }
type UpdateIssuePayload { issue: Issue clientMutationId: String }
input AddCommentInput { subjectId: ID! body: String! clientMutationId: String }
type AddCommentPayload { commentEdge: IssueCommentEdge subject: Node timelineEdge: IssueCommentEdge clientMutationId: String }
input CloseIssueInput { issueId: ID! stateReason: IssueClosedStateReason clientMutationId: String }
type CloseIssuePayload { issue: Issue clientMutationId: String }
input ReopenIssueInput { issueId: ID! clientMutationId: String }
type ReopenIssuePayload { issue: Issue clientMutationId: String }
input CreatePullRequestInput { repositoryId: ID! baseRefName: String! headRefName: String! headRepositoryId: ID title: String! body: String draft: Boolean maintainerCanModify: Boolean clientMutationId: String }
type CreatePullRequestPayload { pullRequest: PullRequest clientMutationId: String }
input MergePullRequestInput { pullRequestId: ID! mergeMethod: PullRequestMergeMethod commitHeadline: String commitBody: String expectedHeadOid: GitObjectID authorEmail: String clientMutationId: String }
type MergePullRequestPayload { pullRequest: PullRequest clientMutationId: String }
input ClosePullRequestInput { pullRequestId: ID! clientMutationId: String }
type ClosePullRequestPayload { pullRequest: PullRequest clientMutationId: String }
input ReopenPullRequestInput { pullRequestId: ID! clientMutationId: String }
type ReopenPullRequestPayload { pullRequest: PullRequest clientMutationId: String }
input UpdatePullRequestInput { pullRequestId: ID! title: String body: String baseRefName: String clientMutationId: String }
type UpdatePullRequestPayload { pullRequest: PullRequest clientMutationId: String }
input AddLabelsToLabelableInput { labelableId: ID! labelIds: [ID!]! clientMutationId: String }
type AddLabelsToLabelablePayload { labelable: Node clientMutationId: String }
input AddPullRequestReviewInput { pullRequestId: ID! body: String event: String commitOID: GitObjectID clientMutationId: String }
type AddPullRequestReviewPayload { pullRequestReview: PullRequestReview clientMutationId: String }
input MarkPullRequestReadyForReviewInput { pullRequestId: ID! clientMutationId: String }
type MarkPullRequestReadyForReviewPayload { pullRequest: PullRequest clientMutationId: String }

type Mutation {
  createIssue(input: CreateIssueInput!): CreateIssuePayload
  updateIssue(input: UpdateIssueInput!): UpdateIssuePayload
  addComment(input: AddCommentInput!): AddCommentPayload
  closeIssue(input: CloseIssueInput!): CloseIssuePayload
  reopenIssue(input: ReopenIssueInput!): ReopenIssuePayload
  createPullRequest(input: CreatePullRequestInput!): CreatePullRequestPayload
  mergePullRequest(input: MergePullRequestInput!): MergePullRequestPayload
  closePullRequest(input: ClosePullRequestInput!): ClosePullRequestPayload
  reopenPullRequest(input: ReopenPullRequestInput!): ReopenPullRequestPayload
  updatePullRequest(input: UpdatePullRequestInput!): UpdatePullRequestPayload
  addLabelsToLabelable(input: AddLabelsToLabelableInput!): AddLabelsToLabelablePayload
  addPullRequestReview(input: AddPullRequestReviewInput!): AddPullRequestReviewPayload
  markPullRequestReadyForReview(input: MarkPullRequestReadyForReviewInput!): MarkPullRequestReadyForReviewPayload
}
`;
